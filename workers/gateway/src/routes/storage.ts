import type { GatewayApp } from "../types";

export function registerStorageRoutes(app: GatewayApp): void {
  void app;
}
