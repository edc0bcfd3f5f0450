import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { deviceListSchema } from "../../lib/contracts/users";
import { withDb } from "../../lib/db";
import { BASE, createUser, signInAgain } from "../helpers/auth";
import { bearer, del, errorCode, get, jwtPayload, post } from "./support";

/** A file row as the storage flow leaves it (upload reserved, then completed unless told otherwise). */
async function uploadedFile(ownerId: string, contentType: string, complete = true): Promise<string> {
  return withDb(env, async (db) => {
    const created = await db.files.createUpload(
      { ownerId, conversationId: null, fileName: "avatar", contentType, sizeBytes: 10, uploadExpiresAt: new Date(Date.now() + 60_000).toISOString() },
      10 * 1024 ** 3,
    );
    if (!created.ok) throw new Error("quota");
    if (complete) await db.files.markCompleted(created.file.id);
    return created.file.id;
  });
}

function patch(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { method: "PATCH", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

describe("profiles", () => {
  it("PATCH /v1/users/me changes display name and avatar, and null clears the avatar", async ({ expect }) => {
    const { user, headers } = await createUser();
    const avatar = await uploadedFile(user.id, "image/png");
    const res = await patch("/v1/users/me", { display_name: "  Grace Hopper ", avatar_file_id: avatar }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { display_name: "Grace Hopper", avatar_file_id: avatar } });
    const cleared = await patch("/v1/users/me", { avatar_file_id: null }, headers);
    expect(await cleared.json()).toMatchObject({ user: { display_name: "Grace Hopper", avatar_file_id: null } });
    expect(await (await get("/v1/users/me", headers)).json()).toMatchObject({ user: { display_name: "Grace Hopper", avatar_file_id: null } });
  });

  it("an avatar must be the caller's own completed image", async ({ expect }) => {
    const { user, headers } = await createUser();
    const other = await createUser();
    const candidates = [
      await uploadedFile(other.user.id, "image/png"),
      await uploadedFile(user.id, "application/pdf"),
      await uploadedFile(user.id, "image/jpeg", false),
      "no-such-file",
    ];
    for (const avatar_file_id of candidates) {
      const res = await patch("/v1/users/me", { avatar_file_id }, headers);
      expect(res.status).toBe(400);
      const body = await res.json<{ error: { code: string; details?: { field?: string }[] } }>();
      expect(body.error.code).toBe("VALIDATION_ERROR");
      expect(body.error.details?.[0]?.field).toBe("avatar_file_id");
    }
    expect(await (await get("/v1/users/me", headers)).json()).toMatchObject({ user: { avatar_file_id: null } });
  });

  it("PATCH /v1/users/me refuses empty, wrong-typed and malformed bodies", async ({ expect }) => {
    const { headers } = await createUser();
    for (const body of [{}, { display_name: "" }, { display_name: 42 }, { display_name: "x".repeat(65) }, { avatar_file_id: 7 }]) {
      const res = await patch("/v1/users/me", body, headers);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("VALIDATION_ERROR");
    }
    const malformed = await patch("/v1/users/me", "{nope", headers);
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("BAD_REQUEST");
  });

  it("a public profile never carries the email; an unknown id is 404", async ({ expect }) => {
    const viewer = await createUser();
    const other = await createUser({ display_name: "Someone" });
    const res = await get(`/v1/users/${other.user.id}`, bearer(viewer.accessToken));
    expect(res.status).toBe(200);
    const body = await res.json<{ user: Record<string, unknown> }>();
    expect(body.user).toEqual({
      id: other.user.id,
      username: other.user.username,
      display_name: "Someone",
      avatar_file_id: null,
      created_at: other.user.created_at,
      deleted: false,
    });
    expect(JSON.stringify(body)).not.toContain(other.user.email);
    expect((await get("/v1/users/no-such-user", bearer(viewer.accessToken))).status).toBe(404);
  });

  it("searches by username prefix, case-insensitively, in pages", async ({ expect }) => {
    const stem = `srch${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const made = [];
    for (const suffix of ["a", "b", "c"]) made.push(await createUser({ username: `${stem}_${suffix}` }));
    await createUser({ username: `zz${stem}` });
    const viewer = made[0];
    if (!viewer) throw new Error("no user");
    const auth = bearer(viewer.accessToken);

    const first = await get(`/v1/users?q=${stem.toUpperCase()}&limit=2`, auth);
    expect(first.status).toBe(200);
    const page1 = await first.json<{ users: { username: string; email?: string }[]; has_more: boolean; next_after?: string }>();
    expect(page1.users.map((u) => u.username)).toEqual([`${stem}_a`, `${stem}_b`]);
    expect(page1.has_more).toBe(true);
    expect(page1.users.every((u) => u.email === undefined)).toBe(true);

    const second = await get(`/v1/users?q=${stem}&limit=2&after=${page1.next_after ?? ""}`, auth);
    const page2 = await second.json<{ users: { username: string }[]; has_more: boolean; next_after?: string }>();
    expect(page2).toEqual({ users: [expect.objectContaining({ username: `${stem}_c` })], has_more: false });
  });

  it("search refuses a missing query or a limit out of range", async ({ expect }) => {
    const { accessToken } = await createUser();
    for (const qs of ["", "?q=", "?q=ab&limit=0", "?q=ab&limit=51", "?q=ab&limit=ten"]) {
      const res = await get(`/v1/users${qs}`, bearer(accessToken));
      expect(res.status).toBe(400);
    }
  });

  it("user routes need a valid access token", async ({ expect }) => {
    for (const path of ["/v1/users/me", "/v1/users?q=ab", "/v1/users/someone", "/v1/users/me/devices"]) {
      const res = await get(path);
      expect(res.status).toBe(401);
    }
  });
});

describe("devices", () => {
  const pushToken = () => `fcm-${crypto.randomUUID()}`;
  /** The push registrations in a device list (every session's own device is listed too). */
  const pushDevices = (body: unknown): unknown[] => deviceListSchema.parse(body).devices.filter((d) => d.has_push_token);

  it("registers the push token on the session's own device (201 {device_id}), lists it; removing the device ends the session", async ({ expect }) => {
    const user = await createUser();
    const { headers } = user;
    const res = await post("/v1/users/me/devices", { platform: "android", push_token: pushToken() }, headers);
    expect(res.status).toBe(201);
    const { device_id } = await res.json<{ device_id: string }>();
    // One session = one device (issue 18): the token went on the device this session signed in on.
    expect(device_id).toBe(jwtPayload(user.accessToken).did);
    const list = await get("/v1/users/me/devices", headers);
    expect((await list.json<{ devices: unknown[] }>()).devices).toEqual([
      expect.objectContaining({ device_id, platform: "android", has_push_token: true, current: true }),
    ]);

    const other = await signInAgain(user);
    expect((await del(`/v1/users/me/devices/${device_id}`, other.headers)).status).toBe(204);
    expect(pushDevices(await (await get("/v1/users/me/devices", other.headers)).json())).toEqual([]);
    expect((await get("/v1/users/me", headers)).status).toBe(401);
    expect((await del(`/v1/users/me/devices/${device_id}`, other.headers)).status).toBe(404);
  });

  it("re-registering the same push token updates the device instead of duplicating it", async ({ expect }) => {
    const { headers } = await createUser();
    const token = pushToken();
    const a = await (await post("/v1/users/me/devices", { platform: "android", push_token: token }, headers)).json<{ device_id: string }>();
    // (A web device's token is a PushSubscription's JSON: test/notifications/web-push.test.ts.)
    const b = await (await post("/v1/users/me/devices", { platform: "ios", push_token: token }, headers)).json<{ device_id: string }>();
    expect(b.device_id).toBe(a.device_id);
    expect(pushDevices(await (await get("/v1/users/me/devices", headers)).json())).toEqual([
      expect.objectContaining({ device_id: a.device_id, platform: "ios" }),
    ]);
  });

  it("a push token registered by another account moves to the new owner's device", async ({ expect }) => {
    const first = await createUser();
    const second = await createUser();
    const token = pushToken();
    await post("/v1/users/me/devices", { platform: "ios", push_token: token }, first.headers);
    expect((await post("/v1/users/me/devices", { platform: "ios", push_token: token }, second.headers)).status).toBe(201);
    expect(pushDevices(await (await get("/v1/users/me/devices", first.headers)).json())).toEqual([]);
    expect(pushDevices(await (await get("/v1/users/me/devices", second.headers)).json())).toHaveLength(1);
    // The first account keeps its device (and session), only without the token.
    expect((await get("/v1/users/me", first.headers)).status).toBe(200);
  });

  it("another user's device is NOT_FOUND and survives the attempt", async ({ expect }) => {
    const owner = await createUser();
    const attacker = await createUser();
    const { device_id } = await (
      await post("/v1/users/me/devices", { platform: "ios", push_token: pushToken() }, owner.headers)
    ).json<{
      device_id: string;
    }>();
    const res = await del(`/v1/users/me/devices/${device_id}`, attacker.headers);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NOT_FOUND");
    expect(pushDevices(await (await get("/v1/users/me/devices", owner.headers)).json())).toHaveLength(1);
  });

  it("refuses an unknown platform, a missing or huge push token", async ({ expect }) => {
    const { headers } = await createUser();
    for (const body of [
      { platform: "symbian", push_token: "x" },
      { platform: "ios" },
      { platform: "ios", push_token: "" },
      { platform: "ios", push_token: "x".repeat(4097) },
    ]) {
      const res = await post("/v1/users/me/devices", body, headers);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("VALIDATION_ERROR");
    }
  });
});
