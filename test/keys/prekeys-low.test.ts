import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createUser, type TestUser } from "../helpers/auth";
import { BASE, bundleOf, countOf, prekeys, putKeys, upload } from "./keys-client";

type OutboxMessage = { device_id: string; data: Record<string, string> };

async function registerPushDevice(user: TestUser): Promise<string> {
  const res = await exports.default.fetch(`${BASE}/v1/users/me/devices`, {
    method: "POST",
    headers: user.headers,
    body: JSON.stringify({ platform: "android", push_token: `token-${crypto.randomUUID()}` }),
  });
  if (res.status !== 201) throw new Error(`device registration answered ${res.status}: ${await res.text()}`);
  return (await res.json<{ device_id: string }>()).device_id;
}

async function prekeysLowPushes(userId: string): Promise<OutboxMessage[]> {
  const res = await exports.default.fetch(`${BASE}/dev/push-outbox?user_id=${encodeURIComponent(userId)}`);
  if (res.status !== 200) throw new Error(`push outbox answered ${res.status}`);
  const { messages } = await res.json<{ messages: OutboxMessage[] }>();
  return messages.filter((m) => m.data.kind === "prekeys_low");
}

/** The PUSH queue is consumed asynchronously (batch timeout 1 s): poll the outbox until `n` arrived. */
async function waitForPushes(userId: string, n: number): Promise<OutboxMessage[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const pushes = await prekeysLowPushes(userId);
    if (pushes.length >= n) return pushes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return prekeysLowPushes(userId);
}

describe("key directory: prekeys_low", () => {
  it("pushes the owner once per claim that leaves fewer than 10, through the PUSH queue", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    // Using the push registration's id as the key device id lets the push reach that one device.
    const deviceId = await registerPushDevice(alice);
    expect((await putKeys(alice.headers, upload(deviceId, prekeys(1, 11)))).status).toBe(204);

    await bundleOf(bob.headers, alice.user.id); // 10 left: not low
    expect(await countOf(alice.headers, deviceId)).toEqual({ one_time_prekeys: 10, prekeys_low: false });
    await bundleOf(bob.headers, alice.user.id); // 9 left
    await bundleOf(bob.headers, alice.user.id); // 8 left
    expect(await countOf(alice.headers, deviceId)).toEqual({ one_time_prekeys: 8, prekeys_low: true });

    const pushes = await waitForPushes(alice.user.id, 2);
    expect(pushes.map((p) => p.data.remaining).sort()).toEqual(["8", "9"]);
    expect(pushes.every((p) => p.device_id === deviceId && p.data.device_id === deviceId)).toBe(true);
  });

  it("claims that observe the same count produce one push; fetching an exhausted device adds none", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const carol = await createUser();
    const deviceId = await registerPushDevice(alice);
    expect((await putKeys(alice.headers, upload(deviceId, prekeys(1, 2)))).status).toBe(204);
    await Promise.all([bundleOf(bob.headers, alice.user.id), bundleOf(carol.headers, alice.user.id)]);
    await bundleOf(bob.headers, alice.user.id); // nothing left to claim: no job
    await bundleOf(carol.headers, alice.user.id);

    const pushes = await waitForPushes(alice.user.id, 2);
    const remaining = pushes.map((p) => p.data.remaining);
    // Either order of the two claims: counts 1 then 0, or both observed 0 (deduplicated to one).
    expect(remaining.includes("0")).toBe(true);
    expect(new Set(remaining).size).toBe(remaining.length);
    expect(remaining.every((r) => r === "0" || r === "1")).toBe(true);
  });
});
