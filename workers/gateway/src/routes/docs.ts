import { WEB_APP_PATH_PREFIX } from "../../../../lib/contracts/storage";
import type { GatewayApp } from "../types";

/**
 * Swagger UI's files and our init script: the web app's static assets (app/build.mjs copies them from
 * the pinned swagger-ui-dist into app/www/app/docs/), served by the storage worker through /app/*,
 * so the page works offline and the gateway's bundle does not carry Swagger UI.
 */
export const DOCS_ASSETS_PATH = `${WEB_APP_PATH_PREFIX}docs/`;

/** An interactive page over /openapi.json: same-origin files only, no inline script (see DOCS_CSP). */
function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SecureConnect Edge API</title>
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}swagger-ui.css"></head>
<body><div id="ui" data-spec="/openapi.json"></div>
<script src="${DOCS_ASSETS_PATH}swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSETS_PATH}docs-init.js"></script>
</body></html>`;
}

export function registerDocsRoutes(app: GatewayApp): void {
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "SecureConnect Edge API",
      version: c.env.APP_VERSION,
      description: "Accounts, chats, E2EE key directory, calls, files. Errors use one envelope: {error: {code, message, request_id, details?}}.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "ticket", {
    type: "apiKey",
    in: "query",
    name: "ticket",
    description: "Single-use WebSocket ticket from POST /v1/ws/ticket (60 s)",
  });
  app.get("/docs", (c) => c.html(docsPage()));
  app.get("/swagger", (c) => c.redirect("/docs", 302));
}
