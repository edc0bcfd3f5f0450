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

export default {
  // Typed as the stack's Cloudflare.Env only for the compiler: routePartykitRequest finds the room's binding by name at run time.
  async fetch(request: Request, env: Cloudflare.Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Cloudflare.Env>;
