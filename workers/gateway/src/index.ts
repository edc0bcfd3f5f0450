import { buildGateway } from "./app";

const app = buildGateway();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<GatewayEnv>;
