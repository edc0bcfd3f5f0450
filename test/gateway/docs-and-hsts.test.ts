import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

/** Each `<script ...>...</script>` of a page: its attributes and its inline text. */
function scriptsOf(html: string): { attributes: string; inline: string }[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attributes: m[1] ?? "", inline: m[2] ?? "" }));
}

/** One directive of a Content-Security-Policy header, e.g. "script-src 'self'". */
function directive(csp: string, name: string): string | undefined {
  return csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));
}

describe("/docs is served from our own origin (it was Swagger UI from a CDN with an inline script)", () => {
  it("loads only same-origin scripts and styles, runs no inline script, and its CSP forbids both", async ({ expect }) => {
    const res = await exports.default.fetch("https://sc.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();

    const scripts = scriptsOf(html);
    expect(scripts.length).toBeGreaterThanOrEqual(2); // Swagger UI, then our init file
    for (const script of scripts) {
      expect(script.inline.trim()).toBe("");
      expect(script.attributes).toMatch(/\bsrc="\/app\/docs\/[^"]+\.js"/);
    }
    const sources = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(sources).toEqual(expect.arrayContaining(["/app/docs/swagger-ui-bundle.js", "/app/docs/docs-init.js", "/app/docs/swagger-ui.css"]));
    for (const source of sources) expect(source).toMatch(/^\/(?!\/)/); // a path on this origin, never //cdn or https://
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either

    const csp = res.headers.get("content-security-policy") ?? "";
    expect(directive(csp, "script-src")).toBe("script-src 'self'");
    expect(directive(csp, "style-src")).toBe("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toMatch(/https?:/);
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe("Strict-Transport-Security only over HTTPS", () => {
  it("is sent on responses to https requests, errors included", async ({ expect }) => {
    for (const path of ["/health", "/docs", "/v1/no-such-route"]) {
      const res = await exports.default.fetch(`https://sc.test${path}`);
      expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    }
  });

  it("is never sent over plain http (a browser ignores it there, and it claims a policy the origin does not serve)", async ({ expect }) => {
    for (const path of ["/health", "/docs", "/v1/no-such-route"]) {
      const res = await exports.default.fetch(`http://sc.test${path}`);
      expect(res.headers.get("strict-transport-security")).toBeNull();
      expect(res.headers.get("x-content-type-options")).toBe("nosniff"); // the other headers stay
    }
  });
});
