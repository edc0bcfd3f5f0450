import { describe, it } from "vitest";
import { SecureConnectClient, type CookieSession, type StoredTokens } from "../src/index";

const user = {
  id: "u1",
  email: "a@example.com",
  username: "a",
  display_name: "A",
  avatar_file_id: null,
  email_verified: false,
  created_at: "2026-01-01T00:00:00Z",
};

function cookieAnswer(n: number): CookieSession {
  return { user, access_token: `access-${n}`, token_type: "Bearer", expires_in: 900, session_mode: "cookie", csrf_token: `csrf-${n}`, device_id: "d1" };
}

/** A fetch that answers the cookie routes and records every request it saw. */
function recordingFetch() {
  const seen: { url: string; init: RequestInit | undefined }[] = [];
  let n = 0;
  const fetch = async (url: string, init?: RequestInit) => {
    seen.push({ url, init });
    if (url.endsWith("/v1/auth/logout")) return new Response(null, { status: 204 });
    n += 1;
    return Response.json(cookieAnswer(n));
  };
  return { seen, fetch };
}

const headersOf = (init: RequestInit | undefined) => (init?.headers ?? {}) as Record<string, string>;

describe("SDK cookie mode (browsers)", () => {
  it("signs in asking for the cookie, keeps the CSRF token (never a refresh token), and refreshes without a body", async ({ expect }) => {
    const { seen, fetch } = recordingFetch();
    const saved: (StoredTokens | null)[] = [];
    const sc = new SecureConnectClient({ baseUrl: "https://app.example", fetch, sessionMode: "cookie", onTokens: (t) => saved.push(t) });
    await sc.api.auth.login({ email: "a@example.com", password: "pw" });
    expect(headersOf(seen[0]?.init)["X-Session-Mode"]).toBe("cookie");
    expect(seen[0]?.init?.credentials).toBe("include");
    expect(sc.session.current?.refreshToken).toBe("csrf-1");
    await sc.session.refresh();
    const refresh = seen[1];
    expect(refresh?.url).toBe("https://app.example/v1/auth/refresh");
    expect(refresh?.init?.body).toBeUndefined();
    expect(headersOf(refresh?.init)).toMatchObject({ "X-Session-Mode": "cookie", "X-CSRF-Token": "csrf-1" });
    expect(sc.session.current).toMatchObject({ accessToken: "access-2", refreshToken: "csrf-2", deviceId: "d1" });
    expect(JSON.stringify(saved)).not.toContain("refresh_token");
    await sc.api.auth.logout();
    expect(headersOf(seen[2]?.init)).toMatchObject({ "X-Session-Mode": "cookie", "X-CSRF-Token": "csrf-2" });
    expect(sc.session.current).toBeNull();
  });

  it("a resumed tab refreshes through the cookie with the newest CSRF token another tab stored", async ({ expect }) => {
    const { seen, fetch } = recordingFetch();
    const tokens: StoredTokens = { accessToken: "", refreshToken: "csrf-old", expiresAt: 0, user, deviceId: "d1" };
    const sc = new SecureConnectClient({ baseUrl: "https://app.example", fetch, sessionMode: "cookie", tokens, latestCsrfToken: () => "csrf-from-other-tab" });
    expect(await sc.session.accessToken()).toBe("access-1");
    expect(headersOf(seen[0]?.init)["X-CSRF-Token"]).toBe("csrf-from-other-tab");
  });

  it("bearer mode (the default) is unchanged: the refresh token in the body, no cookie headers", async ({ expect }) => {
    const seen: RequestInit[] = [];
    const fetch = async (_url: string, init?: RequestInit) => {
      seen.push(init ?? {});
      return Response.json({ user, access_token: "a", refresh_token: "r2", token_type: "Bearer", expires_in: 900 });
    };
    const sc = new SecureConnectClient({ baseUrl: "https://api.example", fetch, tokens: { accessToken: "", refreshToken: "r1", expiresAt: 0 } });
    await sc.session.refresh();
    expect(seen[0]?.body).toBe(JSON.stringify({ refresh_token: "r1" }));
    expect(headersOf(seen[0])).not.toHaveProperty("X-Session-Mode");
    expect(seen[0]?.credentials).toBeUndefined();
  });
});
