import { createRoute } from "@hono/zod-openapi";
import {
  downloadUrlResponseSchema,
  fileIdRequestSchema,
  fileResponseSchema,
  listFilesRequestSchema,
  listFilesResponseSchema,
  quotaResponseSchema,
  uploadUrlRequestSchema,
  uploadUrlResponseSchema,
} from "../../../../lib/contracts/storage";
import { fileParamsSchema } from "../../../../lib/contracts/storage-rpc";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

const tags = ["storage"];

const routes = {
  uploadUrl: createRoute({
    method: "post",
    path: "/v1/storage/upload-url",
    tags,
    ...authed,
    summary: "Reserve quota and get a presigned PUT URL (15 minutes) bound to the declared size and type",
    description:
      "PUT the bytes to `upload_url` with exactly the returned `headers` (both are signed), then call upload-complete. " +
      "`conversation_id` shares the file with that conversation's members (the caller must be one; otherwise 404). " +
      "Files larger than the configured per-file maximum are refused (400, field size_bytes); over quota → 413 QUOTA_EXCEEDED.",
    request: { body: jsonBody(uploadUrlRequestSchema) },
    responses: { 201: jsonResponse(uploadUrlResponseSchema, "Upload reserved"), ...errorResponses(400, 401, 404, 413, 429, 503) },
  }),
  uploadComplete: createRoute({
    method: "post",
    path: "/v1/storage/upload-complete",
    tags,
    ...authed,
    summary: "Mark an upload completed once the object is stored with the declared size and type; idempotent",
    description:
      "409 CONFLICT when nothing was uploaded yet, or when the stored object has another size or type (that object is " +
      "removed; PUT again while the URL is valid). Calling it again for a completed file returns the file.",
    request: { body: jsonBody(fileIdRequestSchema) },
    responses: { 200: jsonResponse(fileResponseSchema, "The completed file"), ...errorResponses(400, 401, 404, 409, 429) },
  }),
  downloadUrl: createRoute({
    method: "get",
    path: "/v1/storage/download-url/{file_id}",
    tags,
    ...authed,
    summary: "A presigned GET URL (15 minutes) for the owner or a member of the conversation the file was shared in",
    request: { params: fileParamsSchema },
    responses: { 200: jsonResponse(downloadUrlResponseSchema, "Download URL"), ...errorResponses(400, 401, 404, 429, 503) },
  }),
  deleteFile: createRoute({
    method: "delete",
    path: "/v1/storage/files/{file_id}",
    tags,
    ...authed,
    summary: "Delete one of the caller's files: the object is removed and its quota released",
    request: { params: fileParamsSchema },
    responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 404, 429) },
  }),
  listFiles: createRoute({
    method: "get",
    path: "/v1/storage/files",
    tags,
    ...authed,
    summary: "The caller's completed files, newest first; page with ?before=<last file id>",
    request: { query: listFilesRequestSchema },
    responses: { 200: jsonResponse(listFilesResponseSchema, "A page of files"), ...errorResponses(400, 401, 429) },
  }),
  quota: createRoute({
    method: "get",
    path: "/v1/storage/quota",
    tags,
    ...authed,
    summary: "Bytes used (completed files), reserved (uploads in progress) and allowed",
    responses: { 200: jsonResponse(quotaResponseSchema, "The caller's quota"), ...errorResponses(401, 429) },
  }),
};

export function registerStorageRoutes(app: GatewayApp): void {
  app.openapi(routes.uploadUrl, async (c) => c.json(unwrap(await c.env.STORAGE.createUploadUrl(caller(c), c.req.valid("json"))), 201));
  app.openapi(routes.uploadComplete, async (c) => c.json(unwrap(await c.env.STORAGE.completeUpload(caller(c), c.req.valid("json"))), 200));
  app.openapi(routes.downloadUrl, async (c) => c.json(unwrap(await c.env.STORAGE.downloadUrl(caller(c), c.req.valid("param"))), 200));
  app.openapi(routes.deleteFile, async (c) => {
    unwrap(await c.env.STORAGE.deleteFile(caller(c), c.req.valid("param")));
    return c.body(null, 204);
  });
  app.openapi(routes.listFiles, async (c) => c.json(unwrap(await c.env.STORAGE.listFiles(caller(c), c.req.valid("query"))), 200));
  app.openapi(routes.quota, async (c) => c.json(unwrap(await c.env.STORAGE.quota(caller(c))), 200));
}
