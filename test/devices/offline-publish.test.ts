import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { DeviceEvent } from "../../lib/contracts/device-stream";
import { onlineDevicesOf } from "../../workers/chat/src/presence/presence-shards";
import { api, createGroup, sendRest, ticketFor } from "../chat/chat-client";
import { createUser, signInAgain, type TestUser } from "../helpers/auth";
import { accepted, deviceRoom, upgradeEvents } from "./device-client";
import { nextEvent, until, type Stream } from "./publish-client";

/** The stream of this sign-in's device through the gateway, from `since` when given. */
async function open(user: TestUser, since?: number): Promise<Stream & { position: number }> {
  const query: Record<string, string> = since === undefined ? {} : { since: String(since) };
  const { socket, hello } = await accepted(await upgradeEvents({ ticket: await ticketFor(user) }, query));
  return { deviceId: hello.device_id, socket, events: [], position: hello.position };
}

/** Closes the stream and waits until presence no longer lists the device: rooms then see it offline. */
async function goOffline(user: TestUser, stream: Stream): Promise<void> {
  await stream.socket.end();
  const online = await until(
    () => onlineDevicesOf(env, [user.user.id]),
    (list) => !list.some((o) => o.device_ids.includes(stream.deviceId)),
  );
  if (online.some((o) => o.device_ids.includes(stream.deviceId))) throw new Error("the device stayed online");
}

/** Waits until the offline device's stream stores an entry of this kind (the room publishes off the request path). */
async function stored(deviceId: string, kind: DeviceEvent["kind"]): Promise<void> {
  const count = () =>
    runInDurableObject(
      deviceRoom(deviceId),
      (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM stream WHERE json_extract(event, '$.kind') = ?", kind).one().n,
    );
  if ((await until(count, (n) => n > 0)) === 0) throw new Error(`no ${kind} entry was stored`);
}

/** Membership changes and reads reach every device of the user, online or not (issue 18): a resume replays them. */
describe("membership and reads reach a device that was offline", () => {
  it("a device removed from a group while away finds `membership` removed in its replay", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const away = await open(bob);
    await goOffline(bob, away);

    expect((await api(alice, "DELETE", `/v1/conversations/${group.id}/members/${bob.user.id}`)).status).toBe(204);
    await stored(away.deviceId, "membership");

    const back = await open(bob, away.position);
    expect(await nextEvent(back, "membership", (e) => e.conversation_id === group.id)).toEqual({
      kind: "membership",
      conversation_id: group.id,
      change: "removed",
      role: null,
    });
    await back.socket.end();
  });

  it("a role change while away is in the replay", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const away = await open(bob);
    await goOffline(bob, away);

    expect((await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${bob.user.id}`, { role: "admin" })).status).toBe(200);
    await stored(away.deviceId, "membership");

    const back = await open(bob, away.position);
    expect(await nextEvent(back, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "role_changed", role: "admin" });
    await back.socket.end();
  });

  it("a read on another device, with no newer activity, is in the offline device's replay", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const bobPhone = await signInAgain(bob);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "r1", body: "read me elsewhere" });
    const laptop = await open(bob);
    await goOffline(bob, laptop);

    expect((await api(bobPhone, "POST", `/v1/conversations/${group.id}/read`, { seq: 1 })).status).toBe(200);
    await stored(laptop.deviceId, "read");

    const back = await open(bob, laptop.position);
    expect(back.deviceId).toBe(laptop.deviceId);
    expect(await nextEvent(back, "read")).toEqual({ kind: "read", conversation_id: group.id, seq: 1 });
    await back.socket.end();
  });
});
