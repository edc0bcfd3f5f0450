/**
 * The test harness: every worker's real entrypoints, Durable Objects and handlers composed into
 * one workerd worker, so vitest-pool-workers can run them together. Service bindings in
 * test/wrangler.test.toml point back at this worker's named entrypoints; nothing is mocked.
 * The production wiring (five configs, real service bindings) is proven by the e2e suite.
 */
import gateway from "../../workers/gateway/src/index";
import auth from "../../workers/auth/src/index";
import chat from "../../workers/chat/src/index";
import storage from "../../workers/storage/src/index";

export { AuthService } from "../../workers/auth/src/index";
export { ChatService, ConversationRoom, DeviceRoom, PresenceRoom } from "../../workers/chat/src/index";
export { CallsService, CallRoom } from "../../workers/calls/src/index";
export { StorageService } from "../../workers/storage/src/index";

type HarnessEnv = GatewayEnv & AuthEnv & ChatEnv & CallsEnv & StorageEnv;

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env, ctx),
  // Each queue goes to the worker that consumes it in production.
  async queue(batch, env, ctx) {
    if (batch.queue === "secureconnect-email") return auth.queue(batch, env, ctx);
    if (batch.queue === "secureconnect-push" || batch.queue === "secureconnect-account") return chat.queue(batch, env, ctx);
    throw new Error(`no consumer for ${batch.queue}`);
  },
  // Each worker's cron runs its own housekeeping; the harness runs both, as production would.
  async scheduled(controller, env, ctx) {
    await Promise.all([auth.scheduled(controller, env, ctx), storage.scheduled(controller, env, ctx)]);
  },
} satisfies ExportedHandler<HarnessEnv>;
