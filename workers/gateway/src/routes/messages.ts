import type { GatewayApp } from "../types";

export function registerMessagesRoutes(app: GatewayApp): void {
  void app;
}
