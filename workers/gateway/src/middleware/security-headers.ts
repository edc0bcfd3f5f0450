import type { MiddlewareHandler } from "hono";

export interface SecurityHeadersOptions {
  /** HSTS only makes sense over HTTPS; off in development over plain http. */
  hsts?: boolean;
  /** The docs page needs its own script and style sources. */
  docsPath?: string;
}

/** OWASP secure headers for a JSON API: nothing may frame, sniff or script our responses. */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const docsPath = options.docsPath ?? "/docs";
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-site");
    h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    h.set("X-Permitted-Cross-Domain-Policies", "none");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    h.set(
      "Content-Security-Policy",
      c.req.path === docsPath
        ? "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; style-src https://cdn.jsdelivr.net; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        : "default-src 'none'; frame-ancestors 'none'",
    );
    if (options.hsts) h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  };
}
