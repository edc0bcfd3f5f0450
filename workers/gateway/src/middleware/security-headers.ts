import type { MiddlewareHandler } from "hono";

export interface SecurityHeadersOptions {
  /** Send HSTS on responses to HTTPS requests (never over plain http, where browsers ignore it and it only misleads). */
  hsts?: boolean;
  /** The docs page needs its own script and style sources. */
  docsPath?: string;
  /** The web app (the storage worker's static assets) runs its own script, style, sockets, uploads and camera. */
  appPrefix?: string;
}

/** The web app's page: its own files only; presigned uploads may go to R2 in production. */
const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https://*.r2.cloudflarestorage.com; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The docs page: Swagger UI's files and our init script come from our own origin (the web app's
 * assets under /app/docs/), so no CDN and no inline script. No 'unsafe-inline' for styles either: we
 * load Swagger UI without its standalone preset (whose logo is an inline <style>); at worst a stray
 * inline style is dropped, which costs looks, never a script.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
    h.set(
      "Permissions-Policy",
      isApp ? "camera=(self), microphone=(self), geolocation=(), payment=()" : "camera=(), microphone=(), geolocation=(), payment=()",
    );
    h.set("X-Permitted-Cross-Domain-Policies", "none");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    h.set("Content-Security-Policy", isApp ? APP_CSP : c.req.path === docsPath ? DOCS_CSP : "default-src 'none'; frame-ancestors 'none'");
    if (options.hsts && new URL(c.req.url).protocol === "https:") h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  };
}
