/**
 * Brute-force throttling (test limit: 20 attempts per key per 60 s window, as in production). Each
 * test uses its own IPs and accounts, so they never throttle each other or the rest of the suite.
 * The limiter counts in fixed windows, so a run that straddles a window edge may get up to twice
 * the limit through; the helper allows for that instead of depending on the clock.
 */
import { describe, it } from "vitest";
import { createUser, uniqueEmail, uniqueIp, uniqueUsername } from "../helpers/auth";
import { errorCode, post } from "./support";

const LIMIT = 20;

/** Repeats `attempt` until it is throttled (at most 2 × LIMIT + 1 times), keeping every earlier status. */
async function attemptsUntilLimited(attempt: () => Promise<Response>) {
  const statuses: number[] = [];
  for (let i = 0; i <= 2 * LIMIT; i++) {
    const res = await attempt();
    if (res.status === 429) {
      return { allowed: statuses.length, statuses, retryAfter: res.headers.get("Retry-After"), code: await errorCode(res) };
    }
    statuses.push(res.status);
  }
  return { allowed: statuses.length, statuses, retryAfter: null, code: undefined };
}

function expectThrottledAfterLimit(
  expect: (v: unknown) => { toBe(v: unknown): void; toBeGreaterThanOrEqual(n: number): void; toBeLessThanOrEqual(n: number): void },
  outcome: Awaited<ReturnType<typeof attemptsUntilLimited>>,
  allowedStatus: number,
): void {
  expect(outcome.code).toBe("RATE_LIMITED");
  expect(outcome.retryAfter).toBe("60");
  expect(outcome.allowed).toBeGreaterThanOrEqual(LIMIT);
  expect(outcome.allowed).toBeLessThanOrEqual(2 * LIMIT);
  expect(outcome.statuses.every((s) => s === allowedStatus)).toBe(true);
}

describe("auth throttling (429 RATE_LIMITED with Retry-After)", () => {
  it("login: per IP, across different accounts", async ({ expect }) => {
    const ip = uniqueIp();
    const outcome = await attemptsUntilLimited(() =>
      post("/v1/auth/login", { email: uniqueEmail("probe"), password: "guess-123" }, { "cf-connecting-ip": ip }),
    );
    expectThrottledAfterLimit(expect, outcome, 401);
    // Another IP is unaffected.
    expect((await post("/v1/auth/login", { email: uniqueEmail("probe"), password: "guess-123" })).status).toBe(401);
  });

  it("login: per account, across different IPs, even with the right password", async ({ expect }) => {
    const { user, password } = await createUser();
    const outcome = await attemptsUntilLimited(() => post("/v1/auth/login", { email: user.email.toUpperCase(), password }));
    expectThrottledAfterLimit(expect, outcome, 200);
  });

  it("register: per IP", async ({ expect }) => {
    const ip = uniqueIp();
    const outcome = await attemptsUntilLimited(() =>
      post("/v1/auth/register", { email: uniqueEmail(), username: uniqueUsername(), password: "password-123" }, { "cf-connecting-ip": ip }),
    );
    expectThrottledAfterLimit(expect, outcome, 201);
  });

  it("register: per account (the same email), across IPs", async ({ expect }) => {
    const email = uniqueEmail("taken");
    const outcome = await attemptsUntilLimited(() => post("/v1/auth/register", { email, username: uniqueUsername(), password: "password-123" }));
    // The first attempt creates the account; the rest conflict until the account's budget is spent.
    expect(outcome.statuses[0]).toBe(201);
    expectThrottledAfterLimit(expect, { ...outcome, statuses: outcome.statuses.slice(1) }, 409);
  });

  it("forgot-password: per account, across IPs", async ({ expect }) => {
    const email = uniqueEmail("forgetful");
    const outcome = await attemptsUntilLimited(() => post("/v1/auth/forgot-password", { email }));
    expectThrottledAfterLimit(expect, outcome, 202);
  });

  it("refresh: per IP", async ({ expect }) => {
    const ip = uniqueIp();
    const outcome = await attemptsUntilLimited(() => post("/v1/auth/refresh", { refresh_token: `junk-${crypto.randomUUID()}` }, { "cf-connecting-ip": ip }));
    expectThrottledAfterLimit(expect, outcome, 401);
  });
});
