import type { OpenAPIHono } from "@hono/zod-openapi";
import type { BaseVars } from "../../../lib/http/app";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";

export type GatewayVars = BaseVars & {
  /** What every RPC call receives: request id, and the caller once authenticated. */
  rpc: RpcContext;
  /**
   * Set by `authenticate()`: the verified caller, its session and (`deviceId`) the session's device,
   * which every token minted since devices carries; tokens from before lack it until they expire.
   */
  auth?: AuthedContext & { sessionId: string; deviceId?: string };
  /** The route pattern, for logs and metrics. */
  routePattern?: string;
};

export type GatewayBindings = { Bindings: GatewayEnv; Variables: GatewayVars };
export type GatewayApp = OpenAPIHono<GatewayBindings>;
