import { createRoute } from "@hono/zod-openapi";
import { dataExportEnvelopeSchema, deleteAccountSchema } from "../../../../lib/contracts/account";
import { unwrap } from "../../../../lib/result";
import { forgetSession } from "../middleware/authenticate";
import { throttleAttempt } from "../middleware/credential-throttle";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

const tags = ["users"];

const routes = {
  deleteAccount: createRoute({
    method: "delete",
    path: "/v1/users/me",
    tags,
    summary:
      'Delete the caller\'s account (password required): every session ends at once, the profile becomes "Deleted account", everything else is erased in the background',
    ...authed,
    request: { body: jsonBody(deleteAccountSchema) },
    responses: {
      204: { description: "Deleted: the access and refresh tokens of every session stop working; email and username may be registered again" },
      ...errorResponses(400, 401, 429),
    },
  }),
  requestExport: createRoute({
    method: "post",
    path: "/v1/users/me/export",
    tags,
    summary: "Ask for a copy of the caller's data (once a day): built in the background, announced by email with a link",
    ...authed,
    responses: { 202: jsonResponse(dataExportEnvelopeSchema, "Queued (status pending)"), ...errorResponses(401, 429) },
  }),
  exportStatus: createRoute({
    method: "get",
    path: "/v1/users/me/export",
    tags,
    summary: "The caller's latest data export, with a 15-minute download link while it is ready",
    ...authed,
    responses: { 200: jsonResponse(dataExportEnvelopeSchema, "The latest export"), ...errorResponses(401, 404, 429) },
  }),
};

export function registerAccountRoutes(app: GatewayApp): void {
  app.openapi(routes.deleteAccount, async (c) => {
    const rpc = caller(c);
    // Like login: a password guess costs a hash, so guesses are throttled per IP and per account.
    await throttleAttempt(c, "delete_account", rpc.userId);
    const { revoked_session_ids } = unwrap(await c.env.AUTH.deleteAccount(rpc, c.req.valid("json")));
    for (const id of revoked_session_ids) forgetSession(id);
    return c.body(null, 204);
  });
  app.openapi(routes.requestExport, async (c) => c.json(unwrap(await c.env.CHAT.requestExport(caller(c))), 202));
  app.openapi(routes.exportStatus, async (c) => c.json(unwrap(await c.env.CHAT.exportStatus(caller(c))), 200));
}
