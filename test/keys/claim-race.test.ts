import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { countOf, getBundle, prekeys, putKeys, upload, type DeviceBundle } from "./keys-client";

describe("key directory: concurrent claims", () => {
  it("20 parallel fetches of a device with 5 prekeys hand out exactly those 5, once each", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const keys = upload("phone", prekeys(500, 5));
    expect((await putKeys(alice.headers, keys)).status).toBe(204);

    const responses = await Promise.all(Array.from({ length: 20 }, () => getBundle(bob.headers, alice.user.id)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { devices: DeviceBundle[] }[];
    const handedOut = bodies.flatMap((b) => b.devices.map((d) => d.one_time_prekey));
    const claimed = handedOut.filter((k) => k !== null);

    expect(handedOut).toHaveLength(20);
    expect(claimed).toHaveLength(5);
    expect(new Set(claimed.map((k) => k.key_id)).size).toBe(5);
    expect([...claimed].sort((a, b) => a.key_id - b.key_id)).toEqual(keys.one_time_prekeys);
    expect(await countOf(alice.headers, "phone")).toEqual({ one_time_prekeys: 0, prekeys_low: true });
  });

  it("parallel fetches by several requesters across two devices never share a prekey", async ({ expect }) => {
    const alice = await createUser();
    const requesters = await Promise.all([createUser(), createUser(), createUser()]);
    expect((await putKeys(alice.headers, upload("d1", prekeys(1, 8)))).status).toBe(204);
    expect((await putKeys(alice.headers, upload("d2", prekeys(1, 8)))).status).toBe(204);

    const fetches = requesters.flatMap((r) => Array.from({ length: 4 }, () => getBundle(r.headers, alice.user.id)));
    const bodies = (await Promise.all((await Promise.all(fetches)).map((r) => r.json()))) as { devices: DeviceBundle[] }[];
    for (const deviceId of ["d1", "d2"]) {
      const ids = bodies.flatMap((b) => b.devices.filter((d) => d.device_id === deviceId).map((d) => d.one_time_prekey?.key_id ?? null));
      expect(ids).toHaveLength(12);
      const claimed = ids.filter((id) => id !== null);
      expect(claimed).toHaveLength(8);
      expect(new Set(claimed).size).toBe(8);
      expect(await countOf(alice.headers, deviceId)).toMatchObject({ one_time_prekeys: 0 });
    }
  });
});
