import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { durableObjectByName, REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../lib/rpc";
import { createUser } from "../helpers/auth";
import { createGroup } from "./chat-client";

type Envelope = { error: { code: string; request_id: string } };

/** An upgrade as the gateway forwards it, sent straight to the conversation's room (no gateway checks in front). */
function forwarded(roomName: string, query: string, headers: Record<string, string> = {}): Promise<Response> {
  return durableObjectByName(env.CONVERSATION_ROOM, roomName).fetch(
    new Request(`https://room/v1/ws/chat?${query}`, { headers: { upgrade: "websocket", [REQUEST_ID_HEADER]: "upgrade-test", ...headers } }),
  );
}

describe("the room's own upgrade checks (defence in depth behind the gateway, which forwards straight to it)", () => {
  it("refuses what the gateway would never forward with the error envelope, and opens no socket", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const [group, other] = await Promise.all([createGroup(alice, [bob]), createGroup(alice, [bob])]);
    const as = (userId: string) => ({ [VERIFIED_USER_HEADER]: userId });
    const cases: { query: string; headers: Record<string, string>; status: number; code: string }[] = [
      { query: `conversation_id=${group.id}`, headers: {}, status: 401, code: "UNAUTHORIZED" },
      { query: `conversation_id=${group.id}&batch=2`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&batch=true`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&since_seq=-1`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: `conversation_id=${group.id}&since_seq=1e3`, headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      { query: "", headers: as(bob.user.id), status: 400, code: "VALIDATION_ERROR" },
      // Another user's conversation: the room checks membership from its own member list.
      { query: `conversation_id=${group.id}`, headers: as(eve.user.id), status: 404, code: "NOT_FOUND" },
      // A room asked about another conversation than its own answers as if it did not exist.
      { query: `conversation_id=${other.id}`, headers: as(bob.user.id), status: 404, code: "NOT_FOUND" },
    ];
    for (const c of cases) {
      const res = await forwarded(group.id, c.query, c.headers);
      expect({ query: c.query, status: res.status, webSocket: res.webSocket }).toEqual({ query: c.query, status: c.status, webSocket: null });
      const body = await res.json<Envelope>();
      expect(body.error.code).toBe(c.code);
      expect(body.error.request_id).toBe("upgrade-test");
    }

    const notUpgrade = await durableObjectByName(env.CONVERSATION_ROOM, group.id).fetch(
      new Request(`https://room/v1/ws/chat?conversation_id=${group.id}`, { headers: as(bob.user.id) }),
    );
    expect(notUpgrade.status).toBe(400);
    expect((await notUpgrade.json<Envelope>()).error.code).toBe("BAD_REQUEST");

    // The chat worker no longer takes conversation upgrades: nothing opens a room behind the gateway's back through it.
    const viaChatWorker = await env.CHAT.fetch(
      new Request(`https://chat/v1/ws/chat?conversation_id=${group.id}`, { headers: { upgrade: "websocket", ...as(bob.user.id) } }),
    );
    expect(viaChatWorker.status).toBe(404);
    expect(viaChatWorker.webSocket).toBeNull();
  });

  it("a valid forward with batch=1 opens the socket with batched frames and the ready frame", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const res = await forwarded(group.id, `conversation_id=${group.id}&batch=1&since_seq=0`, { [VERIFIED_USER_HEADER]: bob.user.id });
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    if (!ws) throw new Error("no socket");
    const first = new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(String(e.data)), { once: true }));
    ws.accept();
    expect(JSON.parse(await first)).toEqual({ type: "ready", last_seq: 0 });
    // Wait for the room's side of the close, so its close log does not outlive the test file.
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code), { once: true }));
    ws.close(1000, "done");
    expect(await closed).toBe(1000);
  });
});
