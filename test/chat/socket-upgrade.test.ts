import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../lib/rpc";
import { createUser } from "../helpers/auth";
import { createGroup } from "./chat-client";

type Envelope = { error: { code: string; request_id: string } };

/** An upgrade as the gateway forwards it, sent straight to the chat worker's binding (no gateway checks in front). */
function forwarded(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return env.CHAT.fetch(
    new Request(`https://chat/v1/ws/chat?${query}`, { headers: { upgrade: "websocket", [REQUEST_ID_HEADER]: "upgrade-test", ...headers } }),
  );
}

describe("the chat worker's own upgrade checks (defence in depth behind the gateway)", () => {
  it("refuses what the gateway would never forward with the error envelope, and opens no socket", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const as = (userId: string) => ({ [VERIFIED_USER_HEADER]: userId });
    const cases: { query: string; headers: Record<string, string>; status: number; code: string }[] = [
      { query: `conversation_id=${group.id}`, headers: {}, status: 401, code: "UNAUTHORIZED" },
      { query: `conversation_id=${group.id}&batch=2`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&batch=true`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&since_seq=-1`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&since_seq=1e3`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: "", headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      // Another user's conversation: the membership check is the chat worker's, not only the room's.
      { query: `conversation_id=${group.id}`, headers: as(eve.user.id), status: 404, code: "NOT_FOUND" },
    ];
    for (const c of cases) {
      const res = await forwarded(c.query, c.headers);
      expect({ query: c.query, status: res.status, webSocket: res.webSocket }).toEqual({ query: c.query, status: c.status, webSocket: null });
      const body = await res.json<Envelope>();
      expect(body.error.code).toBe(c.code);
      expect(body.error.request_id).toBe("upgrade-test");
    }

    const notUpgrade = await env.CHAT.fetch(new Request(`https://chat/v1/ws/chat?conversation_id=${group.id}`, { headers: as(bob.user.id) }));
    expect(notUpgrade.status).toBe(400);
    expect((await notUpgrade.json<Envelope>()).error.code).toBe("BAD_REQUEST");
  });

  it("a valid forward with batch=1 opens the socket with batched frames and the ready frame", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const res = await forwarded(`conversation_id=${group.id}&batch=1&since_seq=0`, { [VERIFIED_USER_HEADER]: bob.user.id });
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    if (!ws) throw new Error("no socket");
    const first = new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(String(e.data)), { once: true }));
    ws.accept();
    expect(JSON.parse(await first)).toEqual({ type: "ready", last_seq: 0 });
    ws.close(1000, "done");
  });
});
