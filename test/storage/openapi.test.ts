import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

describe("storage routes in /openapi.json", () => {
  it("documents every storage route with its success and error statuses, and not the dev S3 endpoint", async ({ expect }) => {
    const doc = await (
      await exports.default.fetch("http://sc.test/openapi.json")
    ).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    }>();
    const expected: [string, string, string[]][] = [
      ["/v1/storage/upload-url", "post", ["201", "400", "401", "404", "413", "503"]],
      ["/v1/storage/upload-complete", "post", ["200", "401", "404", "409"]],
      ["/v1/storage/download-url/{file_id}", "get", ["200", "401", "404"]],
      ["/v1/storage/files/{file_id}", "delete", ["204", "401", "404"]],
      ["/v1/storage/files", "get", ["200", "401"]],
      ["/v1/storage/quota", "get", ["200", "401"]],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(statuses));
      expect(operation?.security).toEqual([{ bearer: [] }]);
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/dev/s3"))).toEqual([]);
  });
});
