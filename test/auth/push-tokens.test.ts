/** Issue 18: a push token lives on the session's device; dropping only the token; a deleted device's keys go with it. */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { deviceListSchema, type DeviceView } from "../../lib/contracts/users";
import { withDb } from "../../lib/db";
import { createUser, signInAgain, type TestUser } from "../helpers/auth";
import { getBundle, getCount, prekeys, putKeys, upload } from "../keys/keys-client";
import { bearer, del, errorCode, get, jwtPayload, post, signToken } from "./support";

const pushToken = (): string => `fcm-${crypto.randomUUID()}`;

async function devicesOf(headers: Record<string, string>): Promise<DeviceView[]> {
  return deviceListSchema.parse(await (await get("/v1/users/me/devices", headers)).json()).devices;
}

async function registerPush(headers: Record<string, string>, token: string): Promise<string> {
  const res = await post("/v1/users/me/devices", { platform: "android", push_token: token }, headers);
  if (res.status !== 201) throw new Error(`register push answered ${res.status}`);
  return (await res.json<{ device_id: string }>()).device_id;
}

const deviceOf = (user: TestUser): string => String(jwtPayload(user.accessToken).did);

describe("push tokens on session devices", () => {
  it("two devices need two sign-ins; a token moving between them leaves the first signed in, without push", async ({ expect }) => {
    const phone = await createUser();
    const laptop = await signInAgain(phone);
    const token = pushToken();
    expect(await registerPush(phone.headers, token)).toBe(deviceOf(phone));
    expect(await registerPush(laptop.headers, pushToken())).toBe(deviceOf(laptop));
    expect((await devicesOf(phone.headers)).filter((d) => d.has_push_token)).toHaveLength(2);

    expect(await registerPush(laptop.headers, token)).toBe(deviceOf(laptop));
    const devices = await devicesOf(phone.headers);
    expect(devices).toHaveLength(2);
    expect(devices.find((d) => d.device_id === deviceOf(phone))).toMatchObject({ has_push_token: false, current: true });
    expect(devices.find((d) => d.device_id === deviceOf(laptop))).toMatchObject({ has_push_token: true });
  });

  it("a session from before devices still gets a push-only device, which goes when its token moves to a signed-in device", async ({ expect }) => {
    const user = await createUser();
    const day = new Date(Date.now() + 86_400_000).toISOString();
    const session = await withDb(env, (db) =>
      db.sessions.create({ userId: user.user.id, expiresAt: day, refreshTokenHash: crypto.randomUUID(), refreshExpiresAt: day }),
    );
    const legacy = bearer(await signToken({ sub: user.user.id, sid: session.id }));
    const token = pushToken();
    const pushOnly = await registerPush(legacy, token);
    expect(pushOnly).not.toBe(deviceOf(user));
    expect((await devicesOf(user.headers)).map((d) => d.device_id)).toEqual([deviceOf(user), pushOnly]);

    expect(await registerPush(user.headers, token)).toBe(deviceOf(user));
    expect(await devicesOf(user.headers)).toEqual([expect.objectContaining({ device_id: deviceOf(user), has_push_token: true })]);
  });

  it("DELETE …/push-token drops only the token (204, idempotent); the device and its session stay", async ({ expect }) => {
    const user = await createUser();
    const deviceId = await registerPush(user.headers, pushToken());
    for (let i = 0; i < 2; i++) expect((await del(`/v1/users/me/devices/${deviceId}/push-token`, user.headers)).status).toBe(204);
    expect(await devicesOf(user.headers)).toEqual([expect.objectContaining({ device_id: deviceId, has_push_token: false, current: true })]);
    expect((await get("/v1/users/me", user.headers)).status).toBe(200);
    // A token can be registered again afterwards.
    expect(await registerPush(user.headers, pushToken())).toBe(deviceId);
  });

  it("DELETE …/push-token of another user's or an unknown device is 404 and leaves the token; bad ids 400; no token 401", async ({ expect }) => {
    const owner = await createUser();
    const attacker = await createUser();
    const deviceId = await registerPush(owner.headers, pushToken());
    for (const id of [deviceId, "0190aaaa-0000-7000-8000-000000000000"]) {
      const res = await del(`/v1/users/me/devices/${id}/push-token`, attacker.headers);
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("NOT_FOUND");
    }
    expect((await devicesOf(owner.headers))[0]).toMatchObject({ has_push_token: true });
    expect((await del(`/v1/users/me/devices/${"d".repeat(65)}/push-token`, owner.headers)).status).toBe(400);
    expect((await del(`/v1/users/me/devices/${deviceId}/push-token`)).status).toBe(401);
  });

  it("deleting a device deletes its key directory entries, and only those", async ({ expect }) => {
    const phone = await createUser();
    const laptop = await signInAgain(phone);
    expect((await putKeys(phone.headers, upload(deviceOf(phone), prekeys(1, 3)))).status).toBe(204);
    expect((await putKeys(laptop.headers, upload(deviceOf(laptop), prekeys(1, 3)))).status).toBe(204);
    expect((await del(`/v1/users/me/devices/${deviceOf(phone)}`, laptop.headers)).status).toBe(204);
    expect((await getCount(laptop.headers, deviceOf(phone))).status).toBe(404);
    expect((await getBundle(laptop.headers, phone.user.id, deviceOf(phone))).status).toBe(404);
    expect((await getCount(laptop.headers, deviceOf(laptop))).status).toBe(200);
  });
});

describe("DELETE /v1/users/me/devices/{device_id}/push-token in /openapi.json", () => {
  it("declares every status", async ({ expect }) => {
    const doc = await (await get("/openapi.json")).json<{ paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }>();
    const op = doc.paths["/v1/users/me/devices/{device_id}/push-token"]?.delete;
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(["204", "400", "401", "404", "429", "500", "503"]);
  });
});
