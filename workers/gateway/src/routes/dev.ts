import type { GatewayApp } from "../types";

export function registerDevRoutes(app: GatewayApp): void {
  void app;
}
