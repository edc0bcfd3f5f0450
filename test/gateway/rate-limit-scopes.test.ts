/**
 * Issue 23: authenticated routes and socket upgrades are limited per user, so many people behind one
 * address (an office, a school, a load-test harness) do not share one budget; per-IP limits stay where
 * there is no user yet, and a credential that fails verification still counts against its IP.
 *
 * The gateway is driven with a copy of env whose per-IP and per-user bindings are the 20-a-minute
 * RATE_LIMIT_AUTH (the suite's own are set high so that tests never trip them).
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import gateway from "../../workers/gateway/src/index";
import { BASE, createUser, uniqueIp, type TestUser } from "../helpers/auth";

type GatewayRequest = Parameters<typeof gateway.fetch>[0];

const strict = { ...env, RATE_LIMIT_IP: env.RATE_LIMIT_AUTH, RATE_LIMIT_USER: env.RATE_LIMIT_AUTH };
const LIMIT = 20;

async function viaGateway(path: string, ip: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", ip);
  return gateway.fetch(new Request(`${BASE}${path}`, { ...init, headers }) as GatewayRequest, strict, createExecutionContext());
}

async function statusesOf(count: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await send(i);
    statuses.push(res.status);
    res.webSocket?.accept();
    res.webSocket?.close(1000, "done");
    if (res.body) await res.body.cancel();
  }
  return statuses;
}

async function users(count: number): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => createUser()));
}

describe("rate limits: per user when there is a user, per IP when there is none", () => {
  it("many users behind one address each get their own budget on authenticated routes", async ({ expect }) => {
    const ip = uniqueIp();
    const people = await users(LIMIT + 5);
    // Two requests each: more than the per-IP budget in all, well within each user's.
    const statuses = await statusesOf(people.length * 2, (i) => viaGateway("/v1/users/me", ip, { headers: people[i % people.length]?.headers }));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it("one user over their budget is limited wherever they connect from", async ({ expect }) => {
    const [alice] = await users(1);
    const statuses = await statusesOf(LIMIT + 5, () => viaGateway("/v1/users/me", uniqueIp(), { headers: alice?.headers }));
    expect(statuses.slice(0, LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(LIMIT)).toContain(429);
  });

  it("many users behind one address can each mint a ticket and open their device stream", async ({ expect }) => {
    const ip = uniqueIp();
    const people = await users(LIMIT + 5);
    const tickets: string[] = [];
    for (const person of people) {
      const res = await viaGateway("/v1/ws/ticket", ip, { method: "POST", headers: person.headers });
      expect(res.status).toBe(201);
      tickets.push((await res.json<{ ticket: string }>()).ticket);
    }
    const statuses = await statusesOf(tickets.length, (i) => viaGateway(`/v1/ws/events?ticket=${tickets[i] ?? ""}`, ip, { headers: { Upgrade: "websocket" } }));
    expect(statuses.every((s) => s === 101)).toBe(true);
  });

  it("requests with no credential share their address's budget", async ({ expect }) => {
    const ip = uniqueIp();
    const statuses = await statusesOf(LIMIT + 5, () => viaGateway("/v1/users/me", ip));
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LIMIT)).toContain(429);
  });

  it("forged tokens and spent tickets count against their address, not a user", async ({ expect }) => {
    const ip = uniqueIp();
    const forged = { Authorization: "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" };
    const bearer = await statusesOf(LIMIT + 5, () => viaGateway("/v1/users/me", ip, { headers: forged }));
    expect(bearer.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    const limited = await viaGateway("/v1/users/me", ip, { headers: forged });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await limited.json<{ error: { code: string } }>()).error.code).toBe("RATE_LIMITED");

    const other = uniqueIp();
    const sockets = await statusesOf(LIMIT + 5, () => viaGateway("/v1/ws/events?ticket=spent-or-made-up", other, { headers: { Upgrade: "websocket" } }));
    expect(sockets.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(sockets.slice(LIMIT)).toContain(429);
  });

  it("an Authorization header does not buy a way around the limit of routes that never read it", async ({ expect }) => {
    const ip = uniqueIp();
    const headers = { Authorization: "Bearer whatever" };
    const statuses = await statusesOf(LIMIT + 5, () => viaGateway("/v1/health", ip, { headers }));
    expect(statuses.slice(LIMIT)).toContain(429);
  });
});
