import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { PresenceView } from "../../lib/contracts/chat";
import { DEVICE_STREAM_LIMITS, type MailboxEntry } from "../../lib/contracts/device-stream";
import { api, createGroup, json, ticketFor } from "../chat/chat-client";
import { BASE, createUser, type TestUser } from "../helpers/auth";
import { accepted, conversationEvent, deviceRoom, upgradeEvents } from "./device-client";

/** The device of a user's session, as its access token carries it (`did`). */
function deviceOf(user: TestUser): string {
  const payload = user.accessToken.split(".")[1] ?? "";
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { did?: string };
  if (!claims.did) throw new Error("the access token carries no device");
  return claims.did;
}

async function openEvents(user: TestUser, query: Record<string, string> = {}) {
  return accepted(await upgradeEvents({ ticket: await ticketFor(user) }, query));
}

const postMail = (from: TestUser | null, deviceId: string, payload: unknown) => api(from, "POST", `/v1/devices/${deviceId}/mailbox`, { payload });

async function presenceOf(viewer: TestUser, user: TestUser): Promise<PresenceView["status"] | undefined> {
  const res = await api(viewer, "GET", `/v1/presence?user_ids=${user.user.id}`);
  return (await json<{ presence: PresenceView[] }>(res, 200)).presence[0]?.status;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("GET /v1/ws/events", () => {
  it("opens the stream of the token's device (ticket or bearer), and resumes from a position with the missed entries coalesced", async ({ expect }) => {
    const alice = await createUser();
    const deviceId = deviceOf(alice);
    const first = await openEvents(alice);
    expect(first.hello).toEqual({ type: "hello", device_id: deviceId, position: 0 });

    // Five changes to one conversation while the stream is open: five live frames, one kept entry.
    for (let seq = 1; seq <= 5; seq++) await deviceRoom(deviceId).publish(alice.user.id, [conversationEvent("c-resume", seq)]);
    for (let seq = 1; seq <= 5; seq++) expect((await first.socket.next("events")).entries[0]?.event).toMatchObject({ last_seq: seq });
    await first.socket.end();

    const bearer = await accepted(await upgradeEvents({ bearer: alice.accessToken }, { since: "0" }));
    expect(bearer.hello).toEqual({ type: "hello", device_id: deviceId, position: 5 });
    const { entries } = await bearer.socket.next("events");
    expect(entries.map((e) => [e.pos, e.event.kind])).toEqual([[5, "conversation"]]);
    await bearer.socket.end();

    const ahead = await openEvents(alice, { since: "6" });
    expect(await ahead.socket.next("reset")).toEqual({ type: "reset", position: 5 });
    await ahead.socket.end();
  });

  it("never opens another device's stream: the device comes from the token, not the query or a forged header", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const bobsDevice = deviceOf(bob);
    await deviceRoom(bobsDevice).publish(bob.user.id, [conversationEvent("c-private", 1)]);

    const query = await openEvents(alice, { device_id: bobsDevice, since: "0" });
    expect(query.hello.device_id).toBe(deviceOf(alice));
    await query.socket.settle();
    expect(query.socket.pending()).toEqual([]);
    await query.socket.end();

    const headers = {
      Upgrade: "websocket",
      Authorization: `Bearer ${alice.accessToken}`,
      "x-sc-verified-device": bobsDevice,
      "x-sc-verified-user": bob.user.id,
    };
    const spoofed = await accepted(await exports.default.fetch(`${BASE}/v1/ws/events?since=0`, { headers }));
    expect(spoofed.hello.device_id).toBe(deviceOf(alice));
    await spoofed.socket.settle();
    expect(spoofed.socket.pending()).toEqual([]);
    await spoofed.socket.end();
  });

  it("refuses forged and spent tickets, no credentials, a bad since and a plain GET, with the error envelope", async ({ expect }) => {
    const alice = await createUser();
    const refused = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.webSocket).toBeNull();
      expect(await res.json()).toMatchObject({ error: { code } });
    };
    await refused(await upgradeEvents({ ticket: "forged-ticket-value-123" }), 401, "UNAUTHORIZED");
    const ticket = await ticketFor(alice);
    const used = await accepted(await upgradeEvents({ ticket }));
    await used.socket.end();
    await refused(await upgradeEvents({ ticket }), 401, "UNAUTHORIZED");
    await refused(await upgradeEvents({ bearer: "not.a.token" }), 401, "UNAUTHORIZED");
    for (const since of ["-1", "1e3", "abc", "9".repeat(16), ""])
      await refused(await upgradeEvents({ bearer: alice.accessToken }, { since }), 400, "VALIDATION_ERROR");
    await refused(await api(alice, "GET", "/v1/ws/events"), 400, "BAD_REQUEST");
  });

  it("counts an open device stream as online for presence, and offline after it closes", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    expect(await presenceOf(bob, alice)).toBe("offline");
    const stream = await openEvents(alice);
    await eventually(
      () => presenceOf(bob, alice),
      (s) => s === "online",
      "online",
    );
    await stream.socket.end();
    expect(
      await eventually(
        () => presenceOf(bob, alice),
        (s) => s === "offline",
        "offline",
      ),
    ).toBe("offline");
  });
});

describe("device mailboxes", () => {
  it("delivers a conversation partner's post on connect until acked, live while connected, and over HTTP for clients without a socket", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    await createGroup(alice, [bob]);
    const bobsDevice = deviceOf(bob);

    const posted = await json<{ id: string }>(await postMail(alice, bobsDevice, "d2VsY29tZQ"), 201);
    const expected: MailboxEntry = {
      id: posted.id,
      from_user_id: alice.user.id,
      from_device_id: deviceOf(alice),
      payload: "d2VsY29tZQ",
      created_at: expect.any(String),
    };
    const first = await openEvents(bob);
    expect((await first.socket.next("mailbox")).entries).toEqual([expected]);
    await first.socket.end();

    // Not acked: delivered again on the next connect; a post while connected arrives at once.
    const second = await openEvents(bob);
    expect((await second.socket.next("mailbox")).entries.map((e) => e.id)).toEqual([posted.id]);
    const live = await json<{ id: string }>(await postMail(bob, bobsDevice, "b3du"), 201);
    expect((await second.socket.next("mailbox")).entries).toMatchObject([{ id: live.id, from_user_id: bob.user.id }]);
    await second.socket.end();

    const listed = await json<{ entries: MailboxEntry[]; has_more: boolean }>(await api(bob, "GET", "/v1/devices/me/mailbox"), 200);
    expect(listed).toEqual({ entries: [expected, expect.objectContaining({ id: live.id })], has_more: false });
    expect((await api(bob, "POST", "/v1/devices/me/mailbox/ack", { ids: [posted.id, live.id, "no-such-id"] })).status).toBe(204);
    expect(await json(await api(bob, "GET", "/v1/devices/me/mailbox"), 200)).toEqual({ entries: [], has_more: false });
    // Acked is gone: a replayed ack is harmless, and the next connect brings nothing.
    expect((await api(bob, "POST", "/v1/devices/me/mailbox/ack", { ids: [posted.id] })).status).toBe(204);
    const third = await openEvents(bob);
    await third.socket.settle();
    expect(third.socket.pending()).toEqual([]);
    await third.socket.end();
    // Alice's own mailbox never saw any of it.
    expect(await json(await api(alice, "GET", "/v1/devices/me/mailbox"), 200)).toEqual({ entries: [], has_more: false });
  });

  it("answers 404 to a stranger and for an unknown device alike, and refuses bad payloads and acks", async ({ expect }) => {
    const [alice, bob, eve] = [await createUser(), await createUser(), await createUser()];
    await createGroup(alice, [bob]);
    const stranger = await postMail(eve, deviceOf(bob), "aGk");
    const unknown = await postMail(eve, "01900000-0000-7000-8000-00000000dead", "aGk");
    expect([stranger.status, unknown.status]).toEqual([404, 404]);
    const bodies = [await stranger.json<{ error: { code: string; message: string } }>(), await unknown.json<{ error: { code: string; message: string } }>()];
    expect(bodies.map((b) => [b.error.code, b.error.message])).toEqual([
      ["NOT_FOUND", "No such device."],
      ["NOT_FOUND", "No such device."],
    ]);
    expect(await json(await api(bob, "GET", "/v1/devices/me/mailbox"), 200)).toEqual({ entries: [], has_more: false });

    for (const payload of ["", "not base64!", 42, "a".repeat(DEVICE_STREAM_LIMITS.maxMailboxPayloadChars + 1)]) {
      expect((await postMail(alice, deviceOf(bob), payload)).status).toBe(400);
    }
    expect((await postMail(null, deviceOf(bob), "aGk")).status).toBe(401);
    const tooMany = Array.from({ length: DEVICE_STREAM_LIMITS.maxAckIds + 1 }, (_, i) => `id-${i}`);
    for (const body of [{}, { ids: [] }, { ids: tooMany }, { ids: ["x".repeat(65)] }]) {
      expect((await api(bob, "POST", "/v1/devices/me/mailbox/ack", body)).status).toBe(400);
    }
    expect((await api(null, "GET", "/v1/devices/me/mailbox")).status).toBe(401);
  });
});
