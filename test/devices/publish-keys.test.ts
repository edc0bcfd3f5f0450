import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { bundleOf, countOf, prekeys, putKeys, upload } from "../keys/keys-client";
import { newDeviceId } from "./device-client";
import { drained, nextEvent, openStream } from "./publish-client";

describe("key directory signals on the device stream", () => {
  it("prekeys_low reaches the stream of the device whose prekeys ran low, not the user's other devices", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const [low, other] = await Promise.all([openStream(alice), openStream(alice)]);
    expect((await putKeys(alice.headers, upload(low.deviceId, prekeys(1, 10)))).status).toBe(204);
    await bundleOf(bob.headers, alice.user.id); // 9 left: low
    expect(await countOf(alice.headers, low.deviceId)).toEqual({ one_time_prekeys: 9, prekeys_low: true });
    expect(await nextEvent(low, "keys")).toEqual({ kind: "keys", signal: "prekeys_low", remaining: 9 });
    expect(await drained(other)).toEqual([]);
    await Promise.all([low.socket.end(), other.socket.end()]);
  });

  it("a key device id that is nobody's open stream (or another user's device) publishes nothing", async ({ expect }) => {
    const [alice, bob, mallory] = await Promise.all([createUser(), createUser(), createUser()]);
    const victim = await openStream(alice);
    // Mallory names Alice's device as her key device: her prekeys running low must not reach (or claim) it.
    expect((await putKeys(mallory.headers, upload(victim.deviceId, prekeys(1, 10)))).status).toBe(204);
    await bundleOf(bob.headers, mallory.user.id);
    expect(await countOf(mallory.headers, victim.deviceId)).toMatchObject({ prekeys_low: true });
    const unknown = newDeviceId();
    expect((await putKeys(bob.headers, upload(unknown, prekeys(1, 10)))).status).toBe(204);
    await bundleOf(alice.headers, bob.user.id);
    expect(await drained(victim)).toEqual([]);
    await victim.socket.end();
  });
});
