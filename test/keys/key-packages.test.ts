import { describe, it } from "vitest";
import { base64urlChars, MLS_LIMITS, type ClaimedKeyPackage, type KeyPackageCount } from "../../lib/contracts/mls";
import { api, createGroup, json, ticketFor } from "../chat/chat-client";
import { accepted, upgradeEvents } from "../devices/device-client";
import { createUser, signInAgain, type TestUser } from "../helpers/auth";
import { deviceOf, keyPackages, opaque } from "../helpers/mls";

/** The MLS KeyPackage directory through the gateway: one store per device, in its DeviceRoom. */

const upload = (user: TestUser | null, body: unknown) => api(user, "POST", "/v1/devices/me/key-packages", body);
const countOf = async (user: TestUser) => json<KeyPackageCount>(await api(user, "GET", "/v1/devices/me/key-packages/count"), 200);
const claimRes = (user: TestUser | null, userIds: unknown) => api(user, "POST", "/v1/mls/key-packages/claim", { user_ids: userIds });
const claim = async (user: TestUser, userIds: string[]) => (await json<{ key_packages: ClaimedKeyPackage[] }>(await claimRes(user, userIds), 200)).key_packages;

describe("KeyPackage directory: upload, count, claim", () => {
  it("stores a device's packages, hands out the oldest first, once each, and a retried upload (even after a claim) changes nothing", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    await createGroup(bob, [alice]);
    const packages = keyPackages(12);
    expect(await json(await upload(alice, { key_packages: packages }), 200)).toEqual({ key_packages: 12, last_resort: false, key_packages_low: false });

    expect(await claim(bob, [alice.user.id])).toEqual([{ user_id: alice.user.id, device_id: deviceOf(alice), key_package: packages[0], last_resort: false }]);
    expect(await claim(bob, [alice.user.id, alice.user.id])).toMatchObject([{ key_package: packages[1] }]);
    // The same upload again: nothing doubles, and the two handed out do not come back.
    expect(await json(await upload(alice, { key_packages: packages }), 200)).toMatchObject({ key_packages: 10 });
    expect(await countOf(alice)).toEqual({ key_packages: 10, last_resort: false, key_packages_low: false });
  });

  it("20 racing claims of a device with 5 packages hand out exactly those 5, each once", async ({ expect }) => {
    const alice = await createUser();
    const claimers = [await createUser(), await createUser()];
    await createGroup(alice, claimers);
    const packages = keyPackages(5);
    expect((await upload(alice, { key_packages: packages })).status).toBe(200);

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(claimers[i % 2] as TestUser, [alice.user.id])));
    const handedOut = answers.flat().map((c) => c.key_package);
    expect(handedOut).toHaveLength(5);
    expect([...handedOut].sort()).toEqual([...packages].sort());
    expect(await countOf(alice)).toEqual({ key_packages: 0, last_resort: false, key_packages_low: true });
  });

  it("hands out the last-resort package only when the others are gone, marked, and keeps it", async ({ expect }) => {
    const [alice, bob, carol] = [await createUser(), await createUser(), await createUser()];
    await createGroup(alice, [bob, carol]);
    const [ordinary] = keyPackages(1);
    const lastResort = opaque();
    expect(await json(await upload(alice, { key_packages: [ordinary], last_resort: lastResort }), 200)).toEqual({
      key_packages: 1,
      last_resort: true,
      key_packages_low: true,
    });
    expect(await claim(bob, [alice.user.id])).toMatchObject([{ key_package: ordinary, last_resort: false }]);
    expect(await claim(bob, [alice.user.id])).toMatchObject([{ key_package: lastResort, last_resort: true }]);
    expect(await claim(carol, [alice.user.id])).toMatchObject([{ key_package: lastResort, last_resort: true }]);
    expect(await countOf(alice)).toEqual({ key_packages: 0, last_resort: true, key_packages_low: true });

    // A new last-resort package replaces the old one; replace: true drops everything first.
    const next = opaque();
    expect(await json(await upload(alice, { last_resort: next }), 200)).toMatchObject({ key_packages: 0, last_resort: true });
    expect(await claim(bob, [alice.user.id])).toMatchObject([{ key_package: next, last_resort: true }]);
    expect(await json(await upload(alice, { replace: true }), 200)).toEqual({ key_packages: 0, last_resort: false, key_packages_low: true });
    expect(await claim(bob, [alice.user.id])).toEqual([]);
  });

  it("claims one package per device of each user: a user's other devices for themselves (never the calling one), every device for a partner", async ({
    expect,
  }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const alicesLaptop = await signInAgain(alice);
    await createGroup(bob, [alice]);
    const [phoneKp, laptopKp, bobKp] = [opaque(), opaque(), opaque()];
    expect((await upload(alice, { key_packages: [phoneKp] })).status).toBe(200);
    expect((await upload(alicesLaptop, { key_packages: [laptopKp] })).status).toBe(200);
    expect((await upload(bob, { key_packages: [bobKp] })).status).toBe(200);

    expect(await claim(alicesLaptop, [alice.user.id])).toEqual([
      { user_id: alice.user.id, device_id: deviceOf(alice), key_package: phoneKp, last_resort: false },
    ]);
    expect(await countOf(alicesLaptop)).toMatchObject({ key_packages: 1 });
    const both = await claim(alice, [bob.user.id, alice.user.id]);
    expect(both).toEqual([
      { user_id: bob.user.id, device_id: deviceOf(bob), key_package: bobKp, last_resort: false },
      { user_id: alice.user.id, device_id: deviceOf(alicesLaptop), key_package: laptopKp, last_resort: false },
    ]);
  });

  it("answers strangers, unknown users and users without packages alike (no entry), and takes nothing from them", async ({ expect }) => {
    const [alice, eve, quiet] = [await createUser(), await createUser(), await createUser()];
    await createGroup(alice, [quiet]);
    expect((await upload(alice, { key_packages: keyPackages(3) })).status).toBe(200);
    expect(await claim(eve, [alice.user.id, "01900000-0000-7000-8000-00000000dead"])).toEqual([]);
    expect(await claim(alice, [quiet.user.id])).toEqual([]);
    expect(await countOf(alice)).toMatchObject({ key_packages: 3 });
  });
});

describe("KeyPackage directory: key_packages_low on the device stream", () => {
  it("signals below 10 live on the open stream, and keeps only the newest count for a resume", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    await createGroup(bob, [alice]);
    expect((await upload(alice, { key_packages: keyPackages(11) })).status).toBe(200);
    const stream = await accepted(await upgradeEvents({ ticket: await ticketFor(alice) }));

    await claim(bob, [alice.user.id]); // 10 left: not low
    await claim(bob, [alice.user.id]); // 9 left
    const { entries } = await stream.socket.next("events");
    expect(entries.map((e) => e.event)).toEqual([{ kind: "keys", signal: "key_packages_low", remaining: 9 }]);
    await stream.socket.settle();
    expect(stream.socket.pending()).toEqual([]);
    await stream.socket.end();

    await claim(bob, [alice.user.id]);
    await claim(bob, [alice.user.id]);
    const resumed = await accepted(await upgradeEvents({ ticket: await ticketFor(alice) }, { since: String(stream.hello.position) }));
    const replay = await resumed.socket.next("events");
    expect(replay.entries.map((e) => e.event)).toEqual([{ kind: "keys", signal: "key_packages_low", remaining: 7 }]);
    await resumed.socket.end();
  });
});

describe("KeyPackage directory: hostile input", () => {
  it("refuses oversized, malformed, duplicate and too many packages, and stores nothing past the per-device cap", async ({ expect }) => {
    const alice = await createUser();
    const maxChars = base64urlChars(MLS_LIMITS.maxKeyPackageBytes);
    const one = opaque();
    const bad: unknown[] = [
      {},
      { key_packages: [] },
      { key_packages: ["a".repeat(maxChars + 1)] },
      { key_packages: [`${one}=`] },
      { key_packages: ["ab+/"] },
      { key_packages: ["abcde"] },
      { key_packages: [""] },
      { key_packages: [42] },
      { key_packages: "nope" },
      { key_packages: [one, one] },
      { key_packages: [one], last_resort: one },
      { key_packages: keyPackages(MLS_LIMITS.keyPackagesPerUpload + 1) },
      { key_packages: [one], replace: "yes" },
      { key_packages: [one], device_id: "someone-elses" },
    ];
    for (const body of bad) {
      const res = await upload(alice, body);
      expect([res.status, body]).toEqual([400, body]);
      expect(await res.json()).toMatchObject({ error: { code: "VALIDATION_ERROR" } });
    }
    expect((await upload(alice, "{not json")).status).toBe(400);
    expect((await upload(null, { key_packages: [one] })).status).toBe(401);
    expect((await upload(alice, { key_packages: ["a".repeat(maxChars)] })).status).toBe(200);

    expect((await upload(alice, { key_packages: keyPackages(MLS_LIMITS.keyPackagesPerUpload) })).status).toBe(200);
    const overCap = await upload(alice, { key_packages: keyPackages(MLS_LIMITS.keyPackagesPerUpload) });
    expect(overCap.status).toBe(413);
    expect(await overCap.json()).toMatchObject({ error: { code: "QUOTA_EXCEEDED" } });
    expect(await countOf(alice)).toMatchObject({ key_packages: MLS_LIMITS.keyPackagesPerUpload + 1 });
  });

  it("refuses bad claims", async ({ expect }) => {
    const alice = await createUser();
    for (const ids of [[], "abc", [42], ["a b"], ["x".repeat(65)], Array.from({ length: MLS_LIMITS.claimUsersPerCall + 1 }, (_, i) => `u${i}`)]) {
      expect((await claimRes(alice, ids)).status).toBe(400);
    }
    expect((await claimRes(null, [alice.user.id])).status).toBe(401);
  });
});
