import { describe, it } from "vitest";
import { ApiError } from "../src/index";
import type { SecureConnectClient, StoredTokens } from "../src/index";
import { newSession, nodeClient, signedUpClient, unique } from "./helpers/users";
import { until } from "./helpers/wait";

/** One account per file (registration is throttled per IP); each test signs in its own session. */
let account: Promise<SecureConnectClient> | null = null;
async function freshSession(onTokens?: (tokens: StoredTokens | null) => void): Promise<SecureConnectClient> {
  account ??= signedUpClient();
  const email = (await account).session.current?.user?.email ?? "";
  const client = await newSession(email);
  if (onTokens) client.session.onChange(onTokens);
  return client;
}

describe("auth with automatic refresh (real stack)", () => {
  it("eight concurrent 401s share one refresh; all eight requests then succeed", async ({ expect }) => {
    const client = await freshSession();
    const signedIn = client.session.current;
    if (!signedIn) throw new Error("not signed in");
    // The server rejects this access token (bad signature), as it would an expired one.
    client.session.set({ ...signedIn, accessToken: `${signedIn.accessToken.slice(0, -4)}AAAA` });
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.api.users.me()));
    expect(new Set(answers.map((a) => a.user.id))).toEqual(new Set([signedIn.user?.id]));
    expect(client.session.refreshCount).toBe(1);
    expect(client.session.current?.refreshToken).not.toBe(signedIn.refreshToken);
  });

  it("refreshes once before a request when the access token is about to expire", async ({ expect }) => {
    const persisted: Array<string | null> = [];
    const client = await freshSession((t) => persisted.push(t ? t.refreshToken : null));
    const signedIn = client.session.current;
    if (!signedIn) throw new Error("not signed in");
    client.session.set({ ...signedIn, expiresAt: Date.now() + 1_000 });
    await Promise.all([client.api.users.me(), client.api.conversations.list(), client.api.storage.quota()]);
    expect(client.session.refreshCount).toBe(1);
    // Every rotation is handed to onTokens, so a persisted session never holds a spent refresh token.
    expect(persisted.at(-1)).toBe(client.session.current?.refreshToken);
    expect(client.session.current?.expiresAt ?? 0).toBeGreaterThan(Date.now() + 60_000);
  });

  it("a spent refresh token is refused (reuse detection) and the client signs out instead of looping", async ({ expect }) => {
    const client = await freshSession();
    const signedIn = client.session.current;
    if (!signedIn) throw new Error("not signed in");
    await client.api.auth.refresh(); // rotates: signedIn.refreshToken is now spent
    const stale = nodeClient({ tokens: { ...signedIn, accessToken: "not.a.token" } });
    const failure = await stale.api.users.me().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 401 });
    expect(stale.session.current).toBeNull();
    expect(stale.session.refreshCount).toBe(1);
  });

  it("maps the error envelope: code, message, request id and field details", async ({ expect }) => {
    const client = nodeClient();
    const failure = await client.api.auth
      .register({ email: "not-an-email", username: unique("u").slice(0, 20), password: "short" })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    if (!(failure instanceof ApiError)) return;
    expect(failure.status).toBe(400);
    expect(failure.code).toBe("VALIDATION_ERROR");
    expect(failure.requestId).toBeTruthy();
    expect(failure.details?.map((d) => d.field)).toEqual(expect.arrayContaining(["email", "password"]));
    await expect(client.api.users.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("verifies the email with the token from the dev mailbox; health answers typed", async ({ expect }) => {
    account ??= signedUpClient();
    const client = await account;
    const email = client.session.current?.user?.email ?? "";
    let body = "";
    await until(async () => {
      body = (await client.api.dev.mailbox(email)).messages[0]?.body ?? "";
      return body.length > 0;
    }, "the verification email");
    const token = /Code: (\S+)/.exec(body)?.[1] ?? "";
    expect((await client.api.auth.verifyEmail(token)).user.email_verified).toBe(true);
    expect((await client.api.users.me()).user.email_verified).toBe(true);
    expect(await client.api.health.live()).toMatchObject({ status: "ok", service: "gateway" });
    expect(["ok", "degraded"]).toContain((await client.api.health.ready()).status);
  });
});
