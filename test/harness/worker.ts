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
export { ChatService, ConversationRoom, PresenceRoom } from "../../workers/chat/src/index";
export { CallsService, CallRoom } from "../../workers/calls/src/index";
export { StorageService } from "../../workers/storage/src/index";

type HarnessEnv = GatewayEnv & AuthEnv & ChatEnv & CallsEnv & StorageEnv;

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env, ctx),
  async queue(batch, env, ctx) {
    const handler = batch.queue.startsWith("secureconnect-email") ? auth : chat;
    if ("queue" in handler && typeof handler.queue === "function") await handler.queue(batch, env, ctx);
    else throw new Error(`no consumer for ${batch.queue}`);
  },
  async scheduled(controller, env, ctx) {
    if ("scheduled" in storage && typeof storage.scheduled === "function") await storage.scheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<HarnessEnv>;
