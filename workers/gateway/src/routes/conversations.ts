import type { GatewayApp } from "../types";

export function registerConversationsRoutes(app: GatewayApp): void {
  void app;
}
