import { describe, it } from "vitest";
import { api, createGroup, sendRest } from "../chat/chat-client";
import { createUser, signInAgain } from "../helpers/auth";
import { goOffline, nextEvent, openResumable, stored } from "./publish-client";

/** Membership changes and reads reach every device of the user, online or not (issue 18): a resume replays them. */
describe("membership and reads reach a device that was offline", () => {
  it("a device removed from a group while away finds `membership` removed in its replay", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const away = await openResumable(bob);
    await goOffline(bob, away);

    expect((await api(alice, "DELETE", `/v1/conversations/${group.id}/members/${bob.user.id}`)).status).toBe(204);
    await stored(away.deviceId, "membership");

    const back = await openResumable(bob, away.position);
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
    const away = await openResumable(bob);
    await goOffline(bob, away);

    expect((await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${bob.user.id}`, { role: "admin" })).status).toBe(200);
    await stored(away.deviceId, "membership");

    const back = await openResumable(bob, away.position);
    expect(await nextEvent(back, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "role_changed", role: "admin" });
    await back.socket.end();
  });

  it("a read on another device, with no newer activity, is in the offline device's replay", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const bobPhone = await signInAgain(bob);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "r1", body: "read me elsewhere" });
    const laptop = await openResumable(bob);
    await goOffline(bob, laptop);

    expect((await api(bobPhone, "POST", `/v1/conversations/${group.id}/read`, { seq: 1 })).status).toBe(200);
    await stored(laptop.deviceId, "read");

    const back = await openResumable(bob, laptop.position);
    expect(back.deviceId).toBe(laptop.deviceId);
    expect(await nextEvent(back, "read")).toEqual({ kind: "read", conversation_id: group.id, seq: 1 });
    await back.socket.end();
  });
});
