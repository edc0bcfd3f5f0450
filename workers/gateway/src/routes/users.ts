import type { GatewayApp } from "../types";

export function registerUsersRoutes(app: GatewayApp): void {
  void app;
}
