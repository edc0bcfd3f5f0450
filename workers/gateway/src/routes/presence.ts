import type { GatewayApp } from "../types";

export function registerPresenceRoutes(app: GatewayApp): void {
  void app;
}
