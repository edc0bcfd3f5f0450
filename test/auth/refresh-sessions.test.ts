import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { bearer, del, errorCode, get, jwtPayload, post } from "./support";

interface Pair {
  access_token: string;
  refresh_token: string;
}

describe("refresh tokens", () => {
  it("rotate on every use: the new pair works, the old refresh token is spent", async ({ expect }) => {
    const { user, refreshToken } = await createUser();
    const res = await post("/v1/auth/refresh", { refresh_token: refreshToken });
    expect(res.status).toBe(200);
    const pair = await res.json<Pair & { user: { id: string }; token_type: string; expires_in: number }>();
    expect(pair).toMatchObject({ user: { id: user.id }, token_type: "Bearer", expires_in: 900 });
    expect(pair.refresh_token).not.toBe(refreshToken);
    expect((await get("/v1/users/me", bearer(pair.access_token))).status).toBe(200);
    const again = await post("/v1/auth/refresh", { refresh_token: pair.refresh_token });
    expect(again.status).toBe(200);
  });

  it("reuse of a spent token revokes the whole session (its newest tokens too)", async ({ expect }) => {
    const { refreshToken } = await createUser();
    const first = await (await post("/v1/auth/refresh", { refresh_token: refreshToken })).json<Pair>();
    const replay = await post("/v1/auth/refresh", { refresh_token: refreshToken });
    expect(replay.status).toBe(401);
    expect(await errorCode(replay)).toBe("UNAUTHORIZED");
    // The thief's replay burned the session: the legitimate holder's newer tokens are dead as well.
    expect((await post("/v1/auth/refresh", { refresh_token: first.refresh_token })).status).toBe(401);
    expect((await get("/v1/users/me", bearer(first.access_token))).status).toBe(401);
  });

  it("concurrent use of one refresh token yields exactly one new pair", async ({ expect }) => {
    const { refreshToken } = await createUser();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post("/v1/auth/refresh", { refresh_token: refreshToken })));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it("unknown, malformed and missing refresh tokens are refused", async ({ expect }) => {
    expect((await post("/v1/auth/refresh", { refresh_token: "x".repeat(43) })).status).toBe(401);
    const wrongType = await post("/v1/auth/refresh", { refresh_token: 12345 });
    expect(wrongType.status).toBe(400);
    expect(await errorCode(wrongType)).toBe("VALIDATION_ERROR");
    expect((await post("/v1/auth/refresh", {})).status).toBe(400);
    expect((await post("/v1/auth/refresh", { refresh_token: "x".repeat(5000) })).status).toBe(400);
  });

  it("after logout the session's refresh token no longer works", async ({ expect }) => {
    const { refreshToken, headers } = await createUser();
    expect((await post("/v1/auth/logout", {}, headers)).status).toBe(204);
    expect((await post("/v1/auth/refresh", { refresh_token: refreshToken })).status).toBe(401);
    // Logging out twice with the same (now revoked) token is a 401, not a crash.
    expect((await post("/v1/auth/logout", {}, headers)).status).toBe(401);
  });
});

describe("sessions", () => {
  it("lists the caller's active sessions and marks the current one", async ({ expect }) => {
    const { user, accessToken, password } = await createUser();
    const login = await post("/v1/auth/login", { email: user.email, password }, { "User-Agent": "SessionTest/1.0" });
    expect(login.status).toBe(200);
    const res = await get("/v1/auth/sessions", bearer(accessToken));
    expect(res.status).toBe(200);
    const { sessions } = await res.json<{ sessions: { id: string; current: boolean; user_agent: string | null }[] }>();
    expect(sessions).toHaveLength(2);
    const current = sessions.filter((s) => s.current);
    expect(current.map((s) => s.id)).toEqual([jwtPayload(accessToken).sid]);
    expect(sessions.map((s) => s.user_agent)).toContain("SessionTest/1.0");
  });

  it("revoking a session stops its access and refresh tokens", async ({ expect }) => {
    const a = await createUser();
    const second = await (await post("/v1/auth/login", { email: a.user.email, password: a.password })).json<Pair>();
    const sid = String(jwtPayload(second.access_token).sid);
    expect((await get("/v1/users/me", bearer(second.access_token))).status).toBe(200);
    const res = await del(`/v1/auth/sessions/${sid}`, bearer(a.accessToken));
    expect(res.status).toBe(204);
    expect((await get("/v1/users/me", bearer(second.access_token))).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: second.refresh_token })).status).toBe(401);
    // The caller's own session is untouched, and the revoked one is gone from the list.
    const list = await (await get("/v1/auth/sessions", bearer(a.accessToken))).json<{ sessions: { id: string }[] }>();
    expect(list.sessions.map((s) => s.id)).not.toContain(sid);
  });

  it("another user's session is NOT_FOUND and stays alive", async ({ expect }) => {
    const victim = await createUser();
    const attacker = await createUser();
    const sid = String(jwtPayload(victim.accessToken).sid);
    const res = await del(`/v1/auth/sessions/${sid}`, bearer(attacker.accessToken));
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NOT_FOUND");
    expect((await get("/v1/users/me", bearer(victim.accessToken))).status).toBe(200);
    expect((await del("/v1/auth/sessions/does-not-exist", bearer(attacker.accessToken))).status).toBe(404);
  });
});
