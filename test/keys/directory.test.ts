import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { BASE, bundleOf, countOf, errorCode, getBundle, getCount, prekeys, putKeys, randomKey, upload } from "./keys-client";

describe("key directory: upload, count, fetch", () => {
  it("publishes a device, counts its prekeys and hands one out per fetch, lowest key_id first", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const keys = upload("phone", prekeys(100, 3));
    const put = await putKeys(alice.headers, keys);
    expect(put.status).toBe(204);
    expect(await countOf(alice.headers, "phone")).toEqual({ one_time_prekeys: 3, prekeys_low: true });

    const [device] = await bundleOf(bob.headers, alice.user.id);
    expect(device).toEqual({
      device_id: "phone",
      identity_key: keys.identity_key,
      signed_prekey: keys.signed_prekey,
      one_time_prekey: keys.one_time_prekeys[0],
    });
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 2 });
  });

  it("falls back to the signed prekey alone once the one-time prekeys are gone", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const keys = upload("laptop", prekeys(1, 1));
    expect((await putKeys(alice.headers, keys)).status).toBe(204);
    const first = await bundleOf(bob.headers, alice.user.id);
    expect(first[0]?.one_time_prekey).toEqual(keys.one_time_prekeys[0]);
    const second = await bundleOf(bob.headers, alice.user.id);
    expect(second).toEqual([{ device_id: "laptop", identity_key: keys.identity_key, signed_prekey: keys.signed_prekey, one_time_prekey: null }]);
    expect(await countOf(alice.headers, "laptop")).toEqual({ one_time_prekeys: 0, prekeys_low: true });
  });

  it("returns every device, one claim each, and only the asked device with ?device_id=", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    expect((await putKeys(alice.headers, upload("a-phone", prekeys(1, 20)))).status).toBe(204);
    expect((await putKeys(alice.headers, upload("b-tablet", prekeys(1, 20)))).status).toBe(204);
    const all = await bundleOf(bob.headers, alice.user.id);
    expect(all.map((d) => d.device_id).sort()).toEqual(["a-phone", "b-tablet"]);
    expect(all.every((d) => d.one_time_prekey !== null)).toBe(true);
    const one = await bundleOf(bob.headers, alice.user.id, "b-tablet");
    expect(one.map((d) => d.device_id)).toEqual(["b-tablet"]);
    expect(await countOf(alice.headers, "a-phone")).toEqual({ one_time_prekeys: 19, prekeys_low: false });
    expect(await countOf(alice.headers, "b-tablet")).toMatchObject({ one_time_prekeys: 18 });
    expect(await errorCode(await getBundle(bob.headers, alice.user.id, "no-such-device"))).toBe("NOT_FOUND");
  });

  it("answers 404 for a user without keys and for an unknown user alike", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const noKeys = await getBundle(bob.headers, alice.user.id);
    expect(noKeys.status).toBe(404);
    expect(await errorCode(noKeys)).toBe("NOT_FOUND");
    const unknown = await getBundle(bob.headers, "0190f5a4-0000-7000-8000-000000000000");
    expect(unknown.status).toBe(404);
  });

  it("keys are per (user, device): the same device_id of two users never mixes", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const aliceKeys = upload("phone", prekeys(1, 2));
    const bobKeys = upload("phone", prekeys(1, 5));
    expect((await putKeys(alice.headers, aliceKeys)).status).toBe(204);
    expect((await putKeys(bob.headers, bobKeys)).status).toBe(204);
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 2 });
    expect(await countOf(bob.headers, "phone")).toMatchObject({ one_time_prekeys: 5 });
    const [fromAlice] = await bundleOf(bob.headers, alice.user.id);
    expect(fromAlice?.identity_key).toBe(aliceKeys.identity_key);
  });
});

describe("key directory: re-upload semantics", () => {
  it("same identity: replaces the signed prekey and adds prekeys; an identical retry is harmless", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const first = upload("phone", prekeys(1, 3));
    expect((await putKeys(alice.headers, first)).status).toBe(204);
    const more = {
      ...first,
      signed_prekey: { key_id: 2, public_key: randomKey(), signature: randomKey(64) },
      one_time_prekeys: [...first.one_time_prekeys, ...prekeys(4, 2)],
    };
    expect((await putKeys(alice.headers, more)).status).toBe(204);
    expect((await putKeys(alice.headers, more)).status).toBe(204);
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 5 });
    const [device] = await bundleOf(bob.headers, alice.user.id);
    expect(device?.signed_prekey).toEqual(more.signed_prekey);
    expect(device?.one_time_prekey).toEqual(first.one_time_prekeys[0]);
  });

  it("refuses (409, nothing stored) a key_id the device holds with different material", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const first = upload("phone", prekeys(1, 2));
    expect((await putKeys(alice.headers, first)).status).toBe(204);
    const clash = { ...first, one_time_prekeys: [{ key_id: 1, public_key: randomKey() }, ...prekeys(10, 3)] };
    const res = await putKeys(alice.headers, clash);
    expect(res.status).toBe(409);
    const body = await res.json<{ error: { code: string; details: { field: string }[] } }>();
    expect(body.error.code).toBe("CONFLICT");
    expect(body.error.details.map((d) => d.field)).toEqual(["one_time_prekeys.0.key_id"]);
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 2 });
    const [device] = await bundleOf(bob.headers, alice.user.id);
    expect(device?.one_time_prekey).toEqual(first.one_time_prekeys[0]);
  });

  it("a new identity key resets the device: old one-time prekeys are dropped", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    expect((await putKeys(alice.headers, upload("phone", prekeys(1, 5)))).status).toBe(204);
    const reset = upload("phone", prekeys(1, 2));
    expect((await putKeys(alice.headers, reset)).status).toBe(204);
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 2 });
    const [device] = await bundleOf(bob.headers, alice.user.id);
    expect(device?.identity_key).toBe(reset.identity_key);
    expect(device?.one_time_prekey).toEqual(reset.one_time_prekeys[0]);
  });

  it("accepts an upload without one-time prekeys (signed prekey rotation) and base64url keys", async ({ expect }) => {
    const alice = await createUser();
    const keys = upload("web", []);
    const { one_time_prekeys: _none, ...withoutPrekeys } = keys;
    const urlSafe = { ...withoutPrekeys, identity_key: "AAEC_-8", signed_prekey: { ...keys.signed_prekey, public_key: "-_-_" } };
    expect((await putKeys(alice.headers, urlSafe)).status).toBe(204);
    expect(await countOf(alice.headers, "web")).toEqual({ one_time_prekeys: 0, prekeys_low: true });
    expect((await getCount(alice.headers, "other")).status).toBe(404);
  });
});

describe("key directory: documentation", () => {
  it("describes every key route in /openapi.json, authenticated", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/openapi.json`);
    const doc = await res.json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>();
    expect(doc.paths["/v1/keys"]?.put?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/v1/keys/count"]?.get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/v1/keys/{user_id}"]?.get?.security).toEqual([{ bearer: [] }]);
  });
});
