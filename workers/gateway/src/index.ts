import { isDevelopment } from "../../../lib/environment";
import { buildGateway } from "./app";

// env is known only per request, so each mode's app is built once per isolate on first use.
let productionApp: ReturnType<typeof buildGateway> | undefined;
let developmentApp: ReturnType<typeof buildGateway> | undefined;

function gatewayFor(env: GatewayEnv): ReturnType<typeof buildGateway> {
  if (isDevelopment(env)) return (developmentApp ??= buildGateway({ development: true }));
  return (productionApp ??= buildGateway({ development: false }));
}

export default {
  fetch: (request, env, ctx) => gatewayFor(env).fetch(request, env, ctx),
} satisfies ExportedHandler<GatewayEnv>;
