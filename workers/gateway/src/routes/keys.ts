import type { GatewayApp } from "../types";

export function registerKeysRoutes(app: GatewayApp): void {
  void app;
}
