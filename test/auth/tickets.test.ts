import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { withDb } from "../../lib/db";
import { sha256Hex } from "../../lib/ids";
import { purgeExpiredCredentials } from "../../workers/auth/src/housekeeping";
import { BASE, createUser } from "../helpers/auth";
import { bearer, errorCode, jwtPayload, post } from "./support";

const rpc = { requestId: "test-tickets-0001" };

describe("WebSocket tickets", () => {
  it("POST /v1/ws/ticket issues a 60 s ticket bound to the caller and its device, usable once", async ({ expect }) => {
    const { user, headers, accessToken } = await createUser();
    const res = await post("/v1/ws/ticket", {}, headers);
    expect(res.status).toBe(201);
    const { ticket, expires_in } = await res.json<{ ticket: string; expires_in: number }>();
    expect(expires_in).toBe(60);
    expect(await env.AUTH.consumeTicket(rpc, ticket)).toEqual({ ok: true, value: { userId: user.id, deviceId: jwtPayload(accessToken).did } });
    const replay = await env.AUTH.consumeTicket(rpc, ticket);
    expect(replay).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
  });

  it("a socket upgrade spends the ticket: the second upgrade with it is 401", async ({ expect }) => {
    const { headers } = await createUser();
    const { ticket } = await (await post("/v1/ws/ticket", {}, headers)).json<{ ticket: string }>();
    const url = `${BASE}/v1/ws/chat?conversation_id=not-a-member-of-this&ticket=${encodeURIComponent(ticket)}`;
    const first = await exports.default.fetch(url, { headers: { Upgrade: "websocket" } });
    // Authenticated by the ticket; refused only because the caller is not a member.
    expect(first.status).toBe(404);
    const second = await exports.default.fetch(url, { headers: { Upgrade: "websocket" } });
    expect(second.status).toBe(401);
    expect(await errorCode(second)).toBe("UNAUTHORIZED");
  });

  it("needs an access token to issue, and refuses unknown, malformed and expired tickets", async ({ expect }) => {
    expect((await post("/v1/ws/ticket", {})).status).toBe(401);
    const { user, accessToken } = await createUser();
    expect((await post("/v1/ws/ticket", {}, bearer(accessToken))).status).toBe(201);
    for (const bad of ["", "nope", "x".repeat(2000)]) {
      expect(await env.AUTH.consumeTicket(rpc, bad)).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    }
    const stale = `stale-${crypto.randomUUID()}`;
    await withDb(env, async (db) => {
      await db.sessions.createWsTicket({ ticketHash: await sha256Hex(stale), userId: user.id, expiresAt: new Date(Date.now() - 1000).toISOString() });
    });
    expect(await env.AUTH.consumeTicket(rpc, stale)).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
  });
});

describe("hourly housekeeping", () => {
  it("removes expired tickets and keeps live ones", async ({ expect }) => {
    const { user, headers, accessToken } = await createUser();
    const expired = `expired-${crypto.randomUUID()}`;
    const expiredHash = await sha256Hex(expired);
    await withDb(env, async (db) => {
      await db.sessions.createWsTicket({ ticketHash: expiredHash, userId: user.id, expiresAt: new Date(Date.now() - 1000).toISOString() });
    });
    const { ticket } = await (await post("/v1/ws/ticket", {}, headers)).json<{ ticket: string }>();

    await purgeExpiredCredentials(env);

    const row = await env.DB.prepare("select count(*) as n from ws_tickets where ticket_hash = ?").bind(expiredHash).first<{ n: number }>();
    expect(row?.n).toBe(0);
    expect(await env.AUTH.consumeTicket(rpc, ticket)).toEqual({ ok: true, value: { userId: user.id, deviceId: jwtPayload(accessToken).did } });
  });
});
