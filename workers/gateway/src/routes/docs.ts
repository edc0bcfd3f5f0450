import type { GatewayApp } from "../types";

const SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5";

/** An interactive page over /openapi.json (Swagger UI, loaded from its CDN by the browser). */
function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SecureConnect Edge API</title>
<link rel="stylesheet" href="${SWAGGER_UI}/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="${SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui" });</script>
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
  app.get("/docs", (c) => c.html(docsPage()));
  app.get("/swagger", (c) => c.redirect("/docs", 302));
}

