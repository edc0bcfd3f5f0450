import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { UploadUrlResponse } from "../../lib/contracts/storage";
import { buildGateway } from "../../workers/gateway/src/app";
import { StorageService } from "../../workers/storage/src/index";
import { createUser } from "../helpers/auth";
import { bytes, requestUpload } from "./storage-client";

/** The storage worker as production configures it (the harness shares one env, so it is built here). */
function storageWith(overrides: Partial<StorageEnv>): StorageService {
  return new StorageService(createExecutionContext(), { ...env, ENVIRONMENT: "production", ...overrides });
}

const request = { file_name: "a.png", content_type: "image/png", size_bytes: 10 };

describe("storage in production", () => {
  it("presigns for R2's S3 endpoint with the R2 scope, binding length and type", async ({ expect }) => {
    const alice = await createUser();
    const result = await storageWith({}).createUploadUrl({ requestId: "prod-test-1", userId: alice.user.id, origin: "https://api.example.com" }, request);
    if (!result.ok) throw new Error(result.error.message);
    const upload: UploadUrlResponse = result.value;
    const url = new URL(upload.upload_url);
    expect(url.origin).toBe(`https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com`);
    expect(url.pathname).toBe(`/secureconnect-files/files/${alice.user.id}/${upload.file_id}`);
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^${env.R2_ACCESS_KEY_ID}/\\d{8}/auto/s3/aws4_request$`));
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host;if-none-match");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("answers 503 naming the missing R2 secrets, reserves nothing, and health names them too", async ({ expect }) => {
    const alice = await createUser();
    const storage = storageWith({ R2_ACCESS_KEY_ID: "", R2_SECRET_ACCESS_KEY: "" });
    const ctx = { requestId: "prod-test-2", userId: alice.user.id };
    const upload = await storage.createUploadUrl(ctx, request);
    expect(upload.ok).toBe(false);
    if (upload.ok) return;
    expect(upload.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(upload.error.message).toContain("R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY");
    expect(upload.error.message).not.toContain(env.R2_SECRET_ACCESS_KEY);
    const download = await storage.downloadUrl(ctx, { file_id: "anything" });
    expect(download.ok ? "ok" : download.error.code).toBe("SERVICE_UNAVAILABLE");
    const quota = await storage.quota(ctx);
    expect(quota.ok && quota.value.reserved_bytes).toBe(0);

    const health = await storage.health(ctx);
    expect(health).toEqual({
      ok: true,
      value: {
        service: { status: "error", reason: "R2 S3 credentials are not configured", missing: ["R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"] },
        database: expect.objectContaining({ status: "ok" }),
      },
    });
  });

  it("has no dev S3 endpoint: the gateway answers 404 and so does the storage worker itself", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 10 });
    const gateway = buildGateway();
    const prodEnv = { ...env, ENVIRONMENT: "production" };
    const viaGateway = await gateway.fetch(
      new Request(upload.upload_url, { method: "PUT", headers: { "Content-Type": "image/png" }, body: bytes(10) }),
      prodEnv,
      createExecutionContext(),
    );
    expect(viaGateway.status).toBe(404);
    expect((await viaGateway.json<{ error: { code: string } }>()).error.code).toBe("NOT_FOUND");
    const direct = await storageWith({}).fetch(new Request(upload.upload_url, { method: "PUT", headers: { "Content-Type": "image/png" }, body: bytes(10) }));
    expect(direct.status).toBe(404);
    expect(await env.FILES_BUCKET.head(`files/${alice.user.id}/${upload.file_id}`)).toBeNull();
  });

  it("reports itself and the database healthy in /v1/health", async ({ expect }) => {
    const res = await exports.default.fetch("http://sc.test/v1/health");
    const body = await res.json<{ checks: { storage: { status: string }; database: { status: string } } }>();
    expect(body.checks.storage.status).toBe("ok");
    expect(body.checks.database.status).toBe("ok");
  });
});
