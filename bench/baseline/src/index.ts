import { routePartykitRequest, Server, type Connection, type WSMessage } from "partyserver";

/**
 * The fan-out baseline: a minimal PartyServer room. It authenticates nothing, assigns no seq,
 * stores nothing and broadcasts every frame to every connection (the sender included, as our room
 * does), with the hibernation API like ours.
 */
export class BaselineRoom extends Server {
  static override options = { hibernate: true };

  override onMessage(_connection: Connection, message: WSMessage): void {
    this.broadcast(message);
  }
}

/**
 * The same room, but each frame is first inserted into the room's SQLite (one row each; workerd
 * commits what a turn wrote). The broadcast is then held by the output gate until the write is
 * durable, as ours is: what "acknowledged means stored" costs a room that does nothing else.
 * bench:fanout `--baseline=storing` drives it in the baseline's place.
 */
export class StoringBaselineRoom extends Server {
  static override options = { hibernate: true };

  override onStart(): void {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS frames (seq INTEGER PRIMARY KEY AUTOINCREMENT, frame TEXT NOT NULL)");
  }

  override onMessage(_connection: Connection, message: WSMessage): void {
    this.ctx.storage.sql.exec("INSERT INTO frames (frame) VALUES (?)", typeof message === "string" ? message : "");
    this.broadcast(message);
  }
}

export default {
  // Typed as the stack's Cloudflare.Env only for the compiler: routePartykitRequest finds the room's binding by name at run time.
  async fetch(request: Request, env: Cloudflare.Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Cloudflare.Env>;
