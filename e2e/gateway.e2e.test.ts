import { describe, inject, it } from "vitest";

const base = inject("baseUrl");

describe("the real stack (npm run dev)", () => {
  it("serves liveness and readiness across all five workers", async ({ expect }) => {
    const live = await fetch(`${base}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "ok", service: "gateway" });

    const ready = await fetch(`${base}/v1/health`);
    const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.checks.auth?.status).toBe("ok");
    expect(body.checks.chat?.status).toBe("ok");
    expect(body.checks.calls?.status).toBe("ok");
    expect(body.checks.storage?.status).toBe("ok");
    expect(body.checks.database?.status).toBe("ok");
    expect(ready.status).toBe(200);
  });

  it("answers unknown routes with the 404 envelope, not a 500 (seed defect)", async ({ expect }) => {
    const res = await fetch(`${base}/v1/invalid-endpoint`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(res.headers.get("x-request-id")).toBe(body.error.request_id);
  });

  it("serves the web app at /app/ from the storage worker's static assets, with validators, and only its files", async ({ expect }) => {
    const page = await fetch(`${base}/app/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain("app.js");

    const script = await fetch(`${base}/app/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await script.text()).length).toBeGreaterThan(1000);
    const etag = script.headers.get("etag");
    expect(etag).toMatch(/^(W\/)?"/);
    const revalidated = await fetch(`${base}/app/app.js`, { headers: { "if-none-match": etag ?? "" } });
    expect(revalidated.status).toBe(304);

    for (const path of [
      "/app/no-such-file.js",
      "/app/.assetsignore",
      "/app/%2e%2e/wrangler.toml",
      "/app/..%2fwrangler.toml",
      "/app/..%5cpackage.json",
      "/app/app.js%00.html",
    ]) {
      const missing = await fetch(`${base}${path}`);
      const text = await missing.text();
      expect({ path, status: missing.status }).toEqual({ path, status: 404 });
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
    // Only GET (and HEAD): nothing else reaches the storage worker's files.
    const post = await fetch(`${base}/app/app.js`, { method: "POST", body: "x" });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    const redirect = await fetch(`${base}/app`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/app/");
  });

  it("serves /docs with Swagger UI from our own origin (no CDN, works offline), and no source maps", async ({ expect }) => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(page.headers.get("strict-transport-security")).toBeNull(); // plain http
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] ?? "");
    const styles = [...html.matchAll(/<link\b[^>]*\bhref="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(scripts).toEqual(["/app/docs/swagger-ui-bundle.js", "/app/docs/docs-init.js"]);
    expect(styles).toEqual(["/app/docs/swagger-ui.css"]);
    for (const [path, type, minLength] of [
      [scripts[0], "javascript", 500_000],
      [scripts[1], "javascript", 50],
      [styles[0], "text/css", 50_000],
    ] as const) {
      const asset = await fetch(new URL(path ?? "", base));
      const text = await asset.text();
      expect({ path, status: asset.status }).toEqual({ path, status: 200 });
      expect(asset.headers.get("content-type")).toContain(type);
      expect(text.length).toBeGreaterThan(minLength);
      expect(text).not.toContain("sourceMappingURL");
    }
    expect(await (await fetch(`${base}${scripts[1]}`)).text()).toContain("SwaggerUIBundle");
    for (const path of ["/app/app.js.map", "/app/docs/swagger-ui-bundle.js.map", "/app/docs/swagger-ui.css.map"]) {
      const map = await fetch(`${base}${path}`);
      await map.body?.cancel();
      expect({ path, status: map.status }).toEqual({ path, status: 404 });
    }
    expect(await (await fetch(`${base}/app/app.js`)).text()).not.toContain("sourceMappingURL");
  });

  it("publishes an OpenAPI 3.1 document", async ({ expect }) => {
    const res = await fetch(`${base}/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/health");
  });
});
