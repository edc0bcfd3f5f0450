import { describe, it } from "vitest";
import { ApiError, AuthSession, backoffDelay, Outbox, type TokenPair } from "../src/index";

function pair(n: number): TokenPair {
  const user = {
    id: "u1",
    email: "a@example.com",
    username: "a",
    display_name: "A",
    avatar_file_id: null,
    email_verified: false,
    created_at: "2026-01-01T00:00:00Z",
  };
  return { user, access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "Bearer", expires_in: 900 };
}

/** A refresher whose answers the test releases by hand, recording which refresh tokens it was given. */
function controlledRefresher() {
  const presented: string[] = [];
  const pending: Array<() => void> = [];
  const refresher = (refreshToken: string) =>
    new Promise<TokenPair>((resolve, reject) => {
      presented.push(refreshToken);
      pending.push(() => (refreshToken === "spent" ? reject(new ApiError(401, "UNAUTHORIZED", "reused")) : resolve(pair(presented.length))));
    });
  return { presented, refresher, releaseAll: () => pending.splice(0).forEach((release) => release()) };
}

describe("client logic without a network", () => {
  it("AuthSession: concurrent recoveries share one refresh; a token already replaced is not refreshed again", async ({ expect }) => {
    const { presented, refresher, releaseAll } = controlledRefresher();
    const session = new AuthSession(refresher);
    session.adopt(pair(0));
    const recovering = Array.from({ length: 5 }, () => session.recover("access-0"));
    releaseAll();
    expect(new Set(await Promise.all(recovering))).toEqual(new Set(["access-1"]));
    expect(presented).toEqual(["refresh-0"]);
    // A late 401 for the old token (a request that left before the rotation) just uses the new one.
    expect(await session.recover("access-0")).toBe("access-1");
    expect(presented).toEqual(["refresh-0"]);
  });

  it("AuthSession: a refused refresh signs out and tells the listener", async ({ expect }) => {
    const { refresher, releaseAll } = controlledRefresher();
    const session = new AuthSession(refresher);
    const seen: Array<string | null> = [];
    session.onChange((t) => seen.push(t?.accessToken ?? null));
    session.set({ accessToken: "a", refreshToken: "spent", expiresAt: 0 });
    const access = session.accessToken();
    releaseAll();
    await expect(access).rejects.toMatchObject({ status: 401 });
    expect(session.current).toBeNull();
    expect(seen).toEqual(["a", null]);
  });

  it("backoff grows exponentially, is capped, and stays within the upper half of each step", ({ expect }) => {
    const options = { initialMs: 100, maxMs: 2_000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, options, () => 1))).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, options, () => 0))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(50, options, () => 1)).toBe(2_000);
  });

  it("Outbox keeps order, resolves each client_id once, and ignores unknown or repeated acks", async ({ expect }) => {
    const outbox = new Outbox();
    const a = outbox.add({ type: "send", client_id: "a", body: "1" });
    const b = outbox.add({ type: "send", client_id: "b", body: "2" });
    expect(outbox.pending().map((f) => f.client_id)).toEqual(["a", "b"]);
    expect(outbox.delivered("b", 2)).toBe(true);
    expect(outbox.delivered("b", 2)).toBe(false);
    expect(outbox.delivered("zzz", 9)).toBe(false);
    expect(outbox.delivered("a", 1)).toBe(true);
    expect(await Promise.all([a, b])).toEqual([
      { client_id: "a", seq: 1 },
      { client_id: "b", seq: 2 },
    ]);
    expect(outbox.size).toBe(0);
  });
});
