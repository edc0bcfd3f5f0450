/** Issue 18: every session is bound to a device (register/login/refresh, the token's `did`, tickets, the device list). */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { tokenPairSchema } from "../../lib/contracts/auth";
import { deviceListSchema } from "../../lib/contracts/users";
import { withDb } from "../../lib/db";
import { randomToken, sha256Hex } from "../../lib/ids";
import { createUser, type TestUser } from "../helpers/auth";
import { bearer, del, errorCode, get, jwtPayload, post, signToken } from "./support";

const rpc = { requestId: "test-devices-0001" };

async function login(user: TestUser, extra: Record<string, unknown> = {}): Promise<Response> {
  return post("/v1/auth/login", { email: user.user.email, password: user.password, ...extra });
}

async function pairOf(res: Response): Promise<ReturnType<typeof tokenPairSchema.parse>> {
  if (res.status !== 200 && res.status !== 201) throw new Error(`expected a token pair, got ${res.status}: ${await res.text()}`);
  return tokenPairSchema.parse(await res.json());
}

async function devicesOf(accessToken: string): Promise<ReturnType<typeof deviceListSchema.parse>["devices"]> {
  const res = await get("/v1/users/me/devices", bearer(accessToken));
  return deviceListSchema.parse(await res.json()).devices;
}

describe("sessions bound to devices", () => {
  it("register creates a device: the pair and the token's did name it, the list shows it as current", async ({ expect }) => {
    const user = await createUser();
    const pair = await pairOf(await login(user, { platform: "android", device_name: "  Pixel 8 " }));
    expect(pair.device_id).toEqual(expect.any(String));
    expect(jwtPayload(pair.access_token).did).toBe(pair.device_id);
    const registered = jwtPayload(user.accessToken).did;
    expect(typeof registered).toBe("string");
    expect(registered).not.toBe(pair.device_id);
    const devices = await devicesOf(pair.access_token);
    expect(devices).toEqual([
      expect.objectContaining({ device_id: registered, platform: "web", name: null, has_push_token: false, current: false }),
      expect.objectContaining({ device_id: pair.device_id, platform: "android", name: "Pixel 8", has_push_token: false, current: true }),
    ]);
  });

  it("logging in again with the device_id reuses that device; without one makes another", async ({ expect }) => {
    const user = await createUser();
    const first = await pairOf(await login(user, { platform: "ios" }));
    const again = await pairOf(await login(user, { device_id: first.device_id, device_name: "iPhone" }));
    expect(again.device_id).toBe(first.device_id);
    expect(jwtPayload(again.access_token).did).toBe(first.device_id);
    const fresh = await pairOf(await login(user));
    expect(fresh.device_id).not.toBe(first.device_id);
    const devices = await devicesOf(again.access_token);
    expect(devices).toHaveLength(3);
    expect(devices.find((d) => d.device_id === first.device_id)).toMatchObject({ platform: "ios", name: "iPhone", current: true });
  });

  it("another user's device_id, or an unknown one, gets a new device and leaves the other user's alone", async ({ expect }) => {
    const owner = await createUser();
    const attacker = await createUser();
    const ownerDevice = jwtPayload(owner.accessToken).did;
    const stolen = await pairOf(await login(attacker, { device_id: ownerDevice }));
    expect(stolen.device_id).not.toBe(ownerDevice);
    expect((await devicesOf(stolen.access_token)).map((d) => d.device_id)).not.toContain(ownerDevice);
    expect((await devicesOf(owner.accessToken)).map((d) => d.device_id)).toEqual([ownerDevice]);
    const unknown = await pairOf(await login(attacker, { device_id: "0190aaaa-0000-7000-8000-000000000000" }));
    expect(unknown.device_id).not.toBe("0190aaaa-0000-7000-8000-000000000000");
  });

  it("refresh keeps the session's device", async ({ expect }) => {
    const user = await createUser();
    const device = jwtPayload(user.accessToken).did;
    const next = await pairOf(await post("/v1/auth/refresh", { refresh_token: user.refreshToken }));
    expect(next.device_id).toBe(device);
    expect(jwtPayload(next.access_token).did).toBe(device);
  });

  it("deleting a device ends its sessions at once (401), other devices keep working, logout keeps the device", async ({ expect }) => {
    const user = await createUser();
    const laptop = await pairOf(await login(user, { device_name: "Laptop" }));
    const res = await del(`/v1/users/me/devices/${laptop.device_id}`, user.headers);
    expect(res.status).toBe(204);
    const refused = await get("/v1/users/me", bearer(laptop.access_token));
    expect(refused.status).toBe(401);
    expect(await errorCode(refused)).toBe("UNAUTHORIZED");
    expect((await post("/v1/auth/refresh", { refresh_token: laptop.refresh_token })).status).toBe(401);
    expect((await get("/v1/users/me", user.headers)).status).toBe(200);

    const phone = await pairOf(await login(user, { device_name: "Phone" }));
    expect((await post("/v1/auth/logout", {}, bearer(phone.access_token))).status).toBe(204);
    expect((await devicesOf(user.accessToken)).map((d) => d.device_id)).toContain(phone.device_id);
    // Its own device: the caller's session ends with it.
    expect((await del(`/v1/users/me/devices/${jwtPayload(user.accessToken).did as string}`, user.headers)).status).toBe(204);
    expect((await get("/v1/users/me", user.headers)).status).toBe(401);
  });

  it("another user's device cannot be deleted (404) and its session survives", async ({ expect }) => {
    const owner = await createUser();
    const attacker = await createUser();
    const res = await del(`/v1/users/me/devices/${jwtPayload(owner.accessToken).did as string}`, attacker.headers);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NOT_FOUND");
    expect((await get("/v1/users/me", owner.headers)).status).toBe(200);
  });

  it("a WebSocket ticket carries the device of the session that asked", async ({ expect }) => {
    const user = await createUser();
    const phone = await pairOf(await login(user, { platform: "android" }));
    const { ticket } = await (await post("/v1/ws/ticket", {}, bearer(phone.access_token))).json<{ ticket: string }>();
    expect(await env.AUTH.consumeTicket(rpc, ticket)).toEqual({ ok: true, value: { userId: user.user.id, deviceId: phone.device_id } });
  });

  it("refuses wrong types and oversized device fields (400 naming the field)", async ({ expect }) => {
    const user = await createUser();
    const bad: [Record<string, unknown>, string][] = [
      [{ device_id: 123 }, "device_id"],
      [{ device_id: "" }, "device_id"],
      [{ device_id: "d".repeat(65) }, "device_id"],
      [{ platform: "symbian" }, "platform"],
      [{ platform: null }, "platform"],
      [{ device_name: "n".repeat(65) }, "device_name"],
      [{ device_name: "   " }, "device_name"],
      [{ device_name: { name: "x" } }, "device_name"],
    ];
    for (const [extra, field] of bad) {
      const res = await login(user, extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      const body = await res.json<{ error: { code: string; details: { field: string }[] } }>();
      expect(body.error.code).toBe("VALIDATION_ERROR");
      expect(body.error.details.map((d) => d.field)).toContain(field);
    }
    const register = await post("/v1/auth/register", {
      email: `x${crypto.randomUUID()}@example.com`,
      username: "u_bad_device",
      password: "long enough pw",
      device_name: "n".repeat(10_000),
    });
    expect(register.status).toBe(400);
  });

  it("tokens from before devices (no did) still work; refreshing such a session binds it to a new device", async ({ expect }) => {
    const user = await createUser();
    const refresh = randomToken();
    const day = new Date(Date.now() + 86_400_000).toISOString();
    const session = await withDb(env, async (db) =>
      db.sessions.create({ userId: user.user.id, expiresAt: day, refreshTokenHash: await sha256Hex(refresh), refreshExpiresAt: day }),
    );
    const legacy = await signToken({ sub: user.user.id, sid: session.id });
    expect((await get("/v1/users/me", bearer(legacy))).status).toBe(200);
    const next = await pairOf(await post("/v1/auth/refresh", { refresh_token: refresh }));
    expect(jwtPayload(next.access_token).did).toBe(next.device_id);
    expect((await devicesOf(next.access_token)).find((d) => d.device_id === next.device_id)).toMatchObject({ current: true });
    const after = await pairOf(await post("/v1/auth/refresh", { refresh_token: next.refresh_token }));
    expect(after.device_id).toBe(next.device_id);
  });
});
