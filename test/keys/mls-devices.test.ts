import { describe, it } from "vitest";
import type { ClaimedKeyPackage, MlsDeviceList } from "../../lib/contracts/mls";
import { api, json } from "../chat/chat-client";
import { createUser, signInAgain, type TestUser } from "../helpers/auth";
import { deviceOf, opaque } from "../helpers/mls";

/**
 * `GET /v1/conversations/{id}/mls/devices`: the devices an encrypted conversation's group must hold,
 * from the member list and the sessions, and the claim narrowed to the devices a client is adding.
 */

const devicesOf = async (user: TestUser, conversationId: string) =>
  (await json<MlsDeviceList>(await api(user, "GET", `/v1/conversations/${conversationId}/mls/devices`), 200)).devices;

async function encryptedGroup(owner: TestUser, members: TestUser[], encryption: "mls" | "none" = "mls"): Promise<string> {
  const res = await api(owner, "POST", "/v1/conversations", { type: "group", name: "devices", member_ids: members.map((m) => m.user.id), encryption });
  return (await json<{ conversation: { id: string } }>(res, 201)).conversation.id;
}

const sorted = (devices: MlsDeviceList["devices"]) => [...devices].sort((a, b) => a.device_id.localeCompare(b.device_id));

describe("an encrypted conversation's device list", () => {
  it("names every signed-in device of every member; a deleted or signed-out device and a departed member drop out", async ({ expect }) => {
    const [alice, bob, carol] = [await createUser(), await createUser(), await createUser()];
    const [alicesLaptop, bobsTablet] = [await signInAgain(alice), await signInAgain(bob)];
    const id = await encryptedGroup(alice, [bob, carol]);
    const entry = (user: TestUser, device: TestUser) => ({ user_id: user.user.id, device_id: deviceOf(device) });

    expect(sorted(await devicesOf(bob, id))).toEqual(
      sorted([entry(alice, alice), entry(alice, alicesLaptop), entry(bob, bob), entry(bob, bobsTablet), entry(carol, carol)]),
    );

    // Alice removes her laptop; Bob signs out on his tablet; Carol leaves.
    expect((await api(alice, "DELETE", `/v1/users/me/devices/${deviceOf(alicesLaptop)}`)).status).toBe(204);
    expect((await api(bobsTablet, "POST", "/v1/auth/logout")).status).toBe(204);
    expect((await api(carol, "DELETE", `/v1/conversations/${id}/members/${carol.user.id}`)).status).toBe(204);
    expect(sorted(await devicesOf(alice, id))).toEqual(sorted([entry(alice, alice), entry(bob, bob)]));
  });

  it("answers 404 to a non-member and for a plaintext conversation, 401 without a token", async ({ expect }) => {
    const [alice, bob, mallory] = [await createUser(), await createUser(), await createUser()];
    const encrypted = await encryptedGroup(alice, [bob]);
    const plain = await encryptedGroup(alice, [bob], "none");
    const stranger = await api(mallory, "GET", `/v1/conversations/${encrypted}/mls/devices`);
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect((await api(alice, "GET", `/v1/conversations/${plain}/mls/devices`)).status).toBe(404);
    expect((await api(alice, "GET", `/v1/conversations/not-a-conversation/mls/devices`)).status).toBe(404);
    expect((await api(null, "GET", `/v1/conversations/${encrypted}/mls/devices`)).status).toBe(401);
  });

  it("a claim with device_ids takes a package only from those devices, leaving the others' untouched", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const alicesLaptop = await signInAgain(alice);
    await encryptedGroup(bob, [alice]);
    const [phoneKp, laptopKp] = [opaque(), opaque()];
    expect((await api(alice, "POST", "/v1/devices/me/key-packages", { key_packages: [phoneKp] })).status).toBe(200);
    expect((await api(alicesLaptop, "POST", "/v1/devices/me/key-packages", { key_packages: [laptopKp] })).status).toBe(200);

    const claim = async (body: unknown) => json<{ key_packages: ClaimedKeyPackage[] }>(await api(bob, "POST", "/v1/mls/key-packages/claim", body), 200);
    expect((await claim({ user_ids: [alice.user.id], device_ids: [deviceOf(alicesLaptop), "some-other-device"] })).key_packages).toEqual([
      { user_id: alice.user.id, device_id: deviceOf(alicesLaptop), key_package: laptopKp, last_resort: false },
    ]);
    expect((await json<{ key_packages: number }>(await api(alice, "GET", "/v1/devices/me/key-packages/count"), 200)).key_packages).toBe(1);
    for (const device_ids of [[], ["a b"], "x"]) {
      expect((await api(bob, "POST", "/v1/mls/key-packages/claim", { user_ids: [alice.user.id], device_ids })).status).toBe(400);
    }
  });
});
