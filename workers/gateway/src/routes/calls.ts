import type { GatewayApp } from "../types";

export function registerCallsRoutes(app: GatewayApp): void {
  void app;
}
