import { describe, it } from "vitest";
import type { SessionList } from "../../lib/contracts/auth-rpc";
import { api, json } from "../chat/chat-client";
import { createUser, DEFAULT_PASSWORD, signInAgain, type TestUser } from "../helpers/auth";
import { deviceOf, keyPackages } from "../helpers/mls";
import { drained, goOffline, nextEvent, openGatewayStream, openResumable, stored } from "./publish-client";

/**
 * A user's set of devices changing reaches that user's other devices as `devices` entries (issue 19):
 * `added` when a device is ready for MLS in a new session, `removed` when it is signed out, its
 * session revoked, or it is deleted. Contacts hear nothing: only the user's own devices act.
 */

const upload = (user: TestUser) => api(user, "POST", "/v1/devices/me/key-packages", { key_packages: keyPackages(3) });
const added = (device: TestUser) => ({ kind: "devices", change: "added", device_id: deviceOf(device) });
const removed = (device: TestUser) => ({ kind: "devices", change: "removed", device_id: deviceOf(device) });

/** Alice and Bob share an encrypted conversation: Bob is the contact who must not be told. */
async function aliceAndBob(): Promise<{ alice: TestUser; bob: TestUser }> {
  const [alice, bob] = await Promise.all([createUser(), createUser()]);
  await json(await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id], encryption: "mls" }), 201);
  return { alice, bob };
}

describe("a user's device changes on the device stream", () => {
  it("a device's first KeyPackage upload in a session reaches the user's other device once; the device itself and a contact hear nothing", async ({
    expect,
  }) => {
    const { alice, bob } = await aliceAndBob();
    const phone = await signInAgain(alice);
    const [laptop, bobs, phones] = await Promise.all([openGatewayStream(alice), openGatewayStream(bob), openGatewayStream(phone)]);

    expect((await upload(phone)).status).toBe(200);
    expect(await nextEvent(laptop, "devices")).toEqual(added(phone));
    // The same session uploading again, or counting, is not a new device.
    expect((await upload(phone)).status).toBe(200);
    expect((await api(phone, "GET", "/v1/devices/me/key-packages/count")).status).toBe(200);
    // The phone signs out: the next thing the laptop hears of it is that, not a second `added`.
    expect((await api(phone, "POST", "/v1/auth/logout")).status).toBe(204);
    expect(await nextEvent(laptop, "devices")).toEqual(removed(phone));
    expect(await drained(laptop)).toEqual([]);
    expect(await drained(bobs)).toEqual([]);
    expect(await drained(phones)).toEqual([]);
    await Promise.all([laptop.socket.end(), bobs.socket.end(), phones.socket.end()]);
  });

  it("a device that signs in again (a new session) with its packages still held is announced again, on its first count", async ({ expect }) => {
    const { alice } = await aliceAndBob();
    const phone = await signInAgain(alice);
    const laptop = await openGatewayStream(alice);
    expect((await upload(phone)).status).toBe(200);
    expect(await nextEvent(laptop, "devices")).toEqual(added(phone));

    // The same device signs in again (the SDK sends its device_id): the packages are still there, so the count is its first contact.
    const phoneAgain = await signInAgain(alice, deviceOf(phone));
    expect(deviceOf(phoneAgain)).toBe(deviceOf(phone));
    expect((await api(phoneAgain, "GET", "/v1/devices/me/key-packages/count")).status).toBe(200);
    expect(await nextEvent(laptop, "devices")).toEqual(added(phone));
    await laptop.socket.end();
  });

  it("a revoked session, a deleted device and a password change each reach the remaining devices as `removed`", async ({ expect }) => {
    const { alice, bob } = await aliceAndBob();
    const [tablet, desktop, watch] = [await signInAgain(alice), await signInAgain(alice), await signInAgain(alice)];
    const [laptop, bobs] = await Promise.all([openGatewayStream(alice), openGatewayStream(bob)]);

    // Alice ends the tablet's session from her list of sessions (the other sessions are the desktop's and the watch's).
    const { sessions } = await json<SessionList>(await api(tablet, "GET", "/v1/auth/sessions"), 200);
    const tabletSession = sessions.find((s) => s.current);
    expect((await api(alice, "DELETE", `/v1/auth/sessions/${tabletSession?.id ?? "none"}`)).status).toBe(204);
    expect(await nextEvent(laptop, "devices")).toEqual(removed(tablet));

    expect((await api(alice, "DELETE", `/v1/users/me/devices/${deviceOf(desktop)}`)).status).toBe(204);
    expect(await nextEvent(laptop, "devices")).toEqual(removed(desktop));

    const changed = await api(alice, "POST", "/v1/auth/change-password", { current_password: DEFAULT_PASSWORD, new_password: "another horse battery staple" });
    expect(changed.status).toBe(200);
    expect(await nextEvent(laptop, "devices")).toEqual(removed(watch));
    expect(await drained(laptop)).toEqual([]);
    expect(await drained(bobs)).toEqual([]);
    await Promise.all([laptop.socket.end(), bobs.socket.end()]);
  });

  it("a device that was offline finds the change in its replay", async ({ expect }) => {
    const { alice } = await aliceAndBob();
    const phone = await signInAgain(alice);
    const away = await openResumable(alice);
    await goOffline(alice, away);
    expect((await upload(phone)).status).toBe(200);
    await stored(away.deviceId, "devices");
    const back = await openResumable(alice, away.position);
    expect(await nextEvent(back, "devices")).toEqual(added(phone));
    await back.socket.end();
  });
});
