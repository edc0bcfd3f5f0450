import { createRoute } from "@hono/zod-openapi";
import { presenceListSchema, presenceQuerySchema } from "../../../../lib/contracts/chat";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonResponse } from "./shared";

const presenceRoute = createRoute({
  method: "get",
  path: "/v1/presence",
  tags: ["presence"],
  summary: "Online/offline state of up to 100 users (comma-separated ids)",
  description:
    "online while the user has at least one chat socket open; offline with last_seen_at after the last one closes. Unknown ids are offline with last_seen_at null.",
  ...authed,
  request: { query: presenceQuerySchema },
  responses: { 200: jsonResponse(presenceListSchema, "One entry per requested id, in request order"), ...errorResponses(400, 401, 429) },
});

export function registerPresenceRoutes(app: GatewayApp): void {
  app.openapi(presenceRoute, async (c) => c.json(unwrap(await c.env.CHAT.presence(caller(c), c.req.valid("query").user_ids)), 200));
}
