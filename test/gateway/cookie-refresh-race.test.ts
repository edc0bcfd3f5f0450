/**
 * One browser, two tabs, one cookie session (workers/gateway/src/cookie-session.ts): what the user is
 * left with when refreshes overlap, with the browser's cookie jar applying each answer's Set-Cookie
 * in the order the answers arrive.
 */
import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { BASE, createUser, type TestUser } from "../helpers/auth";
import { clearedBy, cookieLogin, CookieJar, OWN_ORIGIN, post, refresh, type CookieAnswer } from "./cookie-client";

/** A cookie-mode sign-in from the browser whose jar this is (it sends its cookies along, as browsers do). */
async function signInto(jar: CookieJar, user: TestUser): Promise<CookieAnswer> {
  const res = await cookieLogin(user, OWN_ORIGIN, jar.header);
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  jar.apply(res);
  return res.json<CookieAnswer>();
}

const signedInWith = async (accessToken: string) =>
  (await exports.default.fetch(`${BASE}/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status === 200;

describe("overlapping cookie refreshes in one browser", () => {
  it("two tabs refresh at once with the same cookie: the second is a reuse, which revokes the session (API.md), so the browser is signed out whichever answer it applies last", async ({
    expect,
  }) => {
    for (const loserLast of [false, true]) {
      const jar = new CookieJar();
      const signedIn = await signInto(jar, await createUser());
      const answers = await Promise.all([refresh(jar.header, signedIn.csrf_token), refresh(jar.header, signedIn.csrf_token)]);
      const winners = answers.filter((a) => a.status === 200);
      const losers = answers.filter((a) => a.status !== 200);
      // Exactly one rotation can win; the reuse may revoke the session before the winner's answer is built, then both are 401.
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const loser of losers) expect(loser.status).toBe(401);
      for (const res of loserLast ? [...winners, ...losers] : [...losers, ...winners]) jar.apply(res);
      // A 401 deletes only the cookie it was presented: the winner's new cookie stays, in either order.
      expect(jar.size).toBe(winners.length);

      const won = winners[0] ? await winners[0].json<CookieAnswer>() : signedIn;
      expect(await signedInWith(won.access_token)).toBe(false);
      const next = await refresh(jar.header, won.csrf_token);
      expect(next.status).toBe(401);
      jar.apply(next);
      expect(jar.size).toBe(0);
    }
  });

  it("a tab's refresh answered 401 after the user signed out and in again in another tab does not sign the browser out", async ({ expect }) => {
    const user = await createUser();
    const jar = new CookieJar();
    const first = await signInto(jar, user);
    // The other tab's refresh leaves now, with the cookie and CSRF token of the first session...
    const inFlight = { cookies: jar.header, csrf: first.csrf_token };
    // ...while this tab signs out and signs in again.
    const out = await post("/v1/auth/logout", {
      authorization: `Bearer ${first.access_token}`,
      cookie: jar.header,
      "x-session-mode": "cookie",
      origin: OWN_ORIGIN,
      "x-csrf-token": first.csrf_token,
    });
    expect(out.status).toBe(204);
    jar.apply(out);
    expect(jar.size).toBe(0);
    const second = await signInto(jar, user);

    // The other tab's answer arrives last: its session is gone (401) and it deletes the cookie it carried, not the new one.
    const late = await refresh(inFlight.cookies, inFlight.csrf);
    expect(late.status).toBe(401);
    expect(clearedBy(late)).toHaveLength(1);
    jar.apply(late);
    expect(jar.size).toBe(1);
    const again = await refresh(jar.header, second.csrf_token);
    expect(again.status).toBe(200);
    expect(await signedInWith((await again.json<CookieAnswer>()).access_token)).toBe(true);
  });
});
