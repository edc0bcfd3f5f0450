import type { MiddlewareHandler } from "hono";

export interface SecurityHeadersOptions {
  /** HSTS only makes sense over HTTPS; off in development over plain http. */
  hsts?: boolean;
  /** The docs page needs its own script and style sources. */
  docsPath?: string;
  /** The web app (the storage worker's static assets) runs its own script, style, sockets, uploads and camera. */
  appPrefix?: string;
}

/** The web app's page: its own files only; presigned uploads may go to R2 in production. */
const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https://*.r2.cloudflarestorage.com; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** OWASP secure headers for a JSON API: nothing may frame, sniff or script our responses. */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const docsPath = options.docsPath ?? "/docs";
  const appPrefix = options.appPrefix ?? "/app";
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    const isApp = c.req.path === appPrefix || c.req.path.startsWith(`${appPrefix}/`);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-site");
    h.set("Permissions-Policy", isApp ? "camera=(self), microphone=(self), geolocation=(), payment=()" : "camera=(), microphone=(), geolocation=(), payment=()");
    h.set("X-Permitted-Cross-Domain-Policies", "none");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    h.set(
      "Content-Security-Policy",
      isApp
        ? APP_CSP
        : c.req.path === docsPath
        ? "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; style-src https://cdn.jsdelivr.net; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        : "default-src 'none'; frame-ancestors 'none'",
    );
    if (options.hsts) h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  };
}
