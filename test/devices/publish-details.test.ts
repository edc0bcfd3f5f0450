import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { ConversationListItemView } from "../../lib/contracts/chat";
import { api, createGroup, json } from "../chat/chat-client";
import { createUser, type TestUser } from "../helpers/auth";
import { deviceRoom } from "./device-client";
import { drained, goOffline, nextEvent, openGatewayStream, openResumable, until } from "./publish-client";

const rename = (user: TestUser, id: string, name: string) => api(user, "PATCH", `/v1/conversations/${id}`, { name });

/** The `details` entries the device's stream keeps (the room publishes off the request path). */
const keptDetails = (deviceId: string) =>
  runInDurableObject(deviceRoom(deviceId), (_instance, state) =>
    state.storage.sql
      .exec<{ event: string }>("SELECT event FROM stream WHERE json_extract(event, '$.kind') = 'details'")
      .toArray()
      .map((row) => JSON.parse(row.event) as unknown),
  );

describe("a group's details reach its members' device streams", () => {
  it("a rename reaches every member's stream through the gateway, the renamer's own too; a non-member hears nothing", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob], "Before");
    const [bobs, alices, eves] = await Promise.all([openGatewayStream(bob), openGatewayStream(alice), openGatewayStream(eve)]);

    await json(await rename(alice, group.id, "After"), 200);
    const expected = { kind: "details", conversation_id: group.id, change: "name", name: "After" };
    expect(await nextEvent(bobs, "details")).toEqual(expected);
    expect(await nextEvent(alices, "details")).toEqual(expected);
    expect(await drained(eves)).toEqual([]);

    // A refused rename (a plain member) changes nothing and tells nobody.
    expect((await rename(bob, group.id, "Bob's")).status).toBe(403);
    expect(await drained(alices)).toEqual([]);
    // The rename is activity: the group leads Bob's list, under its new name.
    await createGroup(alice, [bob], "Newer");
    await json(await rename(alice, group.id, "Latest"), 200);
    const list = await json<{ conversations: ConversationListItemView[] }>(await api(bob, "GET", "/v1/conversations"), 200);
    expect(list.conversations[0]).toMatchObject({ id: group.id, name: "Latest" });
    expect(await nextEvent(bobs, "details")).toMatchObject({ name: "Latest" });
    await Promise.all([bobs.socket.end(), alices.socket.end(), eves.socket.end()]);
  });

  it("a device offline at the time finds the rename in its replay, the newest name once", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob], "Before");
    const away = await openResumable(bob);
    await goOffline(bob, away);

    await json(await rename(alice, group.id, "First"), 200);
    await json(await rename(alice, group.id, "Second"), 200);
    await until(
      () => keptDetails(away.deviceId),
      (kept) => kept.some((e) => JSON.stringify(e).includes("Second")),
    );

    const back = await openResumable(bob, away.position);
    expect(await nextEvent(back, "details")).toEqual({ kind: "details", conversation_id: group.id, change: "name", name: "Second" });
    // Coalesced per conversation: "First" is not replayed.
    expect((await drained(back)).filter((e) => e.kind === "details")).toEqual([]);
    await back.socket.end();
  });

  it("the catch-up brings a rename the stream lacks (its live publish missed the device)", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob], "Before");
    const away = await openResumable(bob);
    await goOffline(bob, away);
    await json(await rename(alice, group.id, "Renamed while away"), 200);
    await until(
      () => keptDetails(away.deviceId),
      (kept) => kept.length > 0,
    );
    // As if the room's device lookup had skipped this device: the stream holds no details entry.
    await runInDurableObject(deviceRoom(away.deviceId), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM stream WHERE json_extract(event, '$.kind') = 'details'");
    });

    const back = await openResumable(bob, away.position);
    expect(await nextEvent(back, "details")).toEqual({ kind: "details", conversation_id: group.id, change: "name", name: "Renamed while away" });
    await back.socket.end();
  });

  it("someone else's membership change reaches the other members' online streams as `members`; the member concerned gets `membership`", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob], "Crew");
    const [bobs, carols] = await Promise.all([openGatewayStream(bob), openGatewayStream(carol)]);

    await json(await api(alice, "POST", `/v1/conversations/${group.id}/members`, { user_ids: [carol.user.id] }), 200);
    expect(await nextEvent(bobs, "details")).toEqual({ kind: "details", conversation_id: group.id, change: "members", name: "Crew" });
    expect(await nextEvent(carols, "membership")).toMatchObject({ conversation_id: group.id, change: "added" });

    await json(await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${carol.user.id}`, { role: "admin" }), 200);
    expect(await nextEvent(bobs, "details")).toMatchObject({ change: "members" });
    expect(await nextEvent(carols, "membership")).toMatchObject({ change: "role_changed", role: "admin" });
    expect((await drained(carols)).filter((e) => e.kind === "details")).toEqual([]);
    await Promise.all([bobs.socket.end(), carols.socket.end()]);
  });
});
