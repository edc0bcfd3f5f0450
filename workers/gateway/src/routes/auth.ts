import type { GatewayApp } from "../types";

export function registerAuthRoutes(app: GatewayApp): void {
  void app;
}
