import { WEB_APP_PATH_PREFIX } from "../../../lib/contracts/storage";
import { AppError } from "../../../lib/errors";
import { createApp } from "../../../lib/http/app";
import { corsFromAllowList } from "./middleware/cors";
import { limitBody } from "./middleware/body-limit";
import { limitAnonymousPerIp } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-context";
import { securityHeaders } from "./middleware/security-headers";
import { registerAccountControlsRoutes } from "./routes/account-controls";
import { registerAccountRoutes } from "./routes/account";
import { registerAuthRoutes } from "./routes/auth";
import { registerCallsRoutes } from "./routes/calls";
import { registerCredentialsRoutes } from "./routes/credentials";
import { registerConversationsRoutes } from "./routes/conversations";
import { registerDeviceMailboxRoutes } from "./routes/device-mailbox";
import { registerDevRoutes } from "./routes/dev";
import { registerDevS3Routes } from "./routes/dev-s3";
import { registerDocsRoutes } from "./routes/docs";
import { registerHealthRoutes } from "./routes/health";
import { registerKeysRoutes } from "./routes/keys";
import { registerMessagesRoutes } from "./routes/messages";
import { registerMlsRoutes } from "./routes/mls";
import { registerPresenceRoutes } from "./routes/presence";
import { registerPushRoutes } from "./routes/push";
import { registerStorageRoutes } from "./routes/storage";
import { gatewayLayerMiddleware, gatewayLayerStatuses } from "./routes/shared";
import { registerUsersRoutes } from "./routes/users";
import { registerWebSocketRoutes } from "./routes/websockets";
import type { GatewayBindings } from "./types";

export interface GatewayOptions {
  /** Registers /dev/* (mailbox, push outbox, dev S3): in production they do not exist, not even in /openapi.json. */
  development: boolean;
}

/** The public app: cross-cutting layers first, then every route (each one in /openapi.json). */
export function buildGateway({ development }: GatewayOptions = { development: false }) {
  const app = createApp<GatewayBindings>({ layerStatuses: gatewayLayerStatuses, layerMiddleware: gatewayLayerMiddleware });
  app.use("*", requestContext());
  app.use("*", securityHeaders({ hsts: true }));
  app.use("*", corsFromAllowList());
  app.use("/v1/*", limitAnonymousPerIp());
  app.use("*", limitBody());

  registerHealthRoutes(app);
  registerDocsRoutes(app);
  registerAuthRoutes(app);
  registerCredentialsRoutes(app);
  registerAccountRoutes(app);
  registerUsersRoutes(app);
  registerAccountControlsRoutes(app);
  registerConversationsRoutes(app);
  registerMessagesRoutes(app);
  registerKeysRoutes(app);
  registerPresenceRoutes(app);
  registerPushRoutes(app);
  registerDeviceMailboxRoutes(app);
  registerMlsRoutes(app);
  registerCallsRoutes(app);
  registerStorageRoutes(app);
  registerWebSocketRoutes(app);
  if (development) {
    registerDevRoutes(app);
    registerDevS3Routes(app);
  }
  // The web app's static files (app/www, the storage worker's [assets]); not an API route, so not in /openapi.json.
  app.get("/app", (c) => c.redirect(WEB_APP_PATH_PREFIX));
  app.get(`${WEB_APP_PATH_PREFIX}*`, async (c) => {
    const asset = await c.env.STORAGE.fetch(c.req.raw);
    // A missing file is our 404 envelope, like every other unknown path (the assets' own 404 is empty).
    if (asset.status === 404) throw new AppError("NOT_FOUND", "No such file.");
    return new Response(asset.body, asset); // a binding's headers are immutable; ours are added after
  });
  return app;
}
