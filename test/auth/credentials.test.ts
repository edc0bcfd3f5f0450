/**
 * Change password and change email while signed in, through the gateway and the real EMAIL queue
 * (dev mailbox), and the one-click links those emails carry (APP_URL of the test config).
 */
import { describe, it } from "vitest";
import { createUser, DEFAULT_PASSWORD, signInAgain, uniqueEmail, uniqueIp } from "../helpers/auth";
import { bearer, codeOf, errorCode, get, mailFor, post } from "./support";

const APP_URL = "https://app.example.com/app/";

describe("change password", () => {
  it("needs the current password, keeps this session and signs every other one out", async ({ expect }) => {
    const me = await createUser();
    const other = await signInAgain(me);
    const wrong = await post("/v1/auth/change-password", { current_password: "not my password", new_password: "a new long passphrase" }, me.headers);
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe("INVALID_CREDENTIALS");
    expect((await get("/v1/users/me", bearer(other.accessToken))).status).toBe(200);

    const res = await post("/v1/auth/change-password", { current_password: me.password, new_password: "a new long passphrase" }, me.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "password_changed", revoked_sessions: 1 });
    expect((await get("/v1/users/me", me.headers)).status).toBe(200);
    expect((await get("/v1/users/me", bearer(other.accessToken))).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: other.refreshToken })).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: me.refreshToken })).status).toBe(200);
    expect((await post("/v1/auth/login", { email: me.user.email, password: me.password })).status).toBe(401);
    expect((await post("/v1/auth/login", { email: me.user.email, password: "a new long passphrase" })).status).toBe(200);
  });

  it("spends an outstanding reset link", async ({ expect }) => {
    const me = await createUser();
    expect((await post("/v1/auth/forgot-password", { email: me.user.email })).status).toBe(202);
    const token = codeOf((await mailFor(me.user.email, "password_reset"))[0]);
    expect((await post("/v1/auth/change-password", { current_password: me.password, new_password: "another passphrase" }, me.headers)).status).toBe(200);
    expect((await post("/v1/auth/reset-password", { token, new_password: "attacker passphrase" })).status).toBe(400);
  });

  it("throttles wrong guesses per account, whatever the IP", async ({ expect }) => {
    const me = await createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await post(
        "/v1/auth/change-password",
        { current_password: `guess ${i}`, new_password: "a new long passphrase" },
        { ...me.headers, "cf-connecting-ip": uniqueIp() },
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it("refuses hostile bodies with 400 and no token with 401", async ({ expect }) => {
    const me = await createUser();
    const bad = [
      { current_password: me.password, new_password: "short" },
      { current_password: me.password },
      { current_password: 42, new_password: "a new long passphrase" },
      { current_password: me.password, new_password: "x".repeat(257) },
      { current_password: "", new_password: "a new long passphrase" },
      { current_password: "\ud800", new_password: "a new long passphrase" },
    ];
    for (const body of bad) expect((await post("/v1/auth/change-password", body, me.headers)).status).toBe(400);
    expect((await post("/v1/auth/change-password", "{not json", me.headers)).status).toBe(400);
    expect((await post("/v1/auth/change-password", { current_password: me.password, new_password: "a new long passphrase" })).status).toBe(401);
    expect((await post("/v1/auth/login", { email: me.user.email, password: DEFAULT_PASSWORD })).status).toBe(200);
  });
});

describe("change email", () => {
  it("takes effect only when the new address confirms; the old one is told and its links stop working", async ({ expect }) => {
    const me = await createUser();
    const verifyOld = codeOf((await mailFor(me.user.email, "verify_email"))[0]);
    expect((await post("/v1/auth/forgot-password", { email: me.user.email })).status).toBe(202);
    const resetOld = codeOf((await mailFor(me.user.email, "password_reset"))[0]);
    const newEmail = uniqueEmail("moved");

    const res = await post("/v1/auth/change-email", { password: me.password, new_email: newEmail }, me.headers);
    expect(res.status).toBe(202);
    // Nothing changed yet: the account still answers to the old address.
    expect(await (await get("/v1/users/me", me.headers)).json()).toMatchObject({ user: { email: me.user.email } });
    expect((await post("/v1/auth/login", { email: newEmail, password: me.password })).status).toBe(401);

    const [confirmation] = await mailFor(newEmail, "email_change");
    const token = codeOf(confirmation);
    expect(confirmation?.body).toContain(`Link: ${APP_URL}#email-change=${token}`);
    const done = await post("/v1/auth/confirm-email-change", { token });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ user: { id: me.user.id, email: newEmail, email_verified: true } });
    expect((await post("/v1/auth/confirm-email-change", { token })).status).toBe(400);

    const [notice] = await mailFor(me.user.email, "email_changed");
    expect(notice?.body).toContain("was changed to m***@example.com");
    expect(notice?.body).not.toContain(newEmail);
    expect(notice?.body).not.toMatch(/^Code: /m);

    // The old address's links, reused after the change, fail.
    expect((await post("/v1/auth/verify-email", { token: verifyOld })).status).toBe(400);
    expect((await post("/v1/auth/reset-password", { token: resetOld, new_password: "attacker passphrase" })).status).toBe(400);
    expect((await post("/v1/auth/login", { email: me.user.email, password: me.password })).status).toBe(401);
    expect((await post("/v1/auth/login", { email: newEmail, password: me.password })).status).toBe(200);
    // The old address is free again.
    expect(
      (await post("/v1/auth/register", { email: me.user.email, username: `re_${me.user.username}`.slice(0, 32), password: "a fresh passphrase" })).status,
    ).toBe(201);
  });

  it("answers 409 for a taken address and 401 for a wrong password; only the newest request's link works", async ({ expect }) => {
    const me = await createUser();
    const taken = await createUser();
    const conflict = await post("/v1/auth/change-email", { password: me.password, new_email: taken.user.email.toUpperCase() }, me.headers);
    expect(conflict.status).toBe(409);
    expect(await errorCode(conflict)).toBe("CONFLICT");
    const wrong = await post("/v1/auth/change-email", { password: "not it", new_email: uniqueEmail() }, me.headers);
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe("INVALID_CREDENTIALS");

    const [first, second] = [uniqueEmail("first"), uniqueEmail("second")];
    expect((await post("/v1/auth/change-email", { password: me.password, new_email: first }, me.headers)).status).toBe(202);
    expect((await post("/v1/auth/change-email", { password: me.password, new_email: second }, me.headers)).status).toBe(202);
    const firstToken = codeOf((await mailFor(first, "email_change"))[0]);
    const secondToken = codeOf((await mailFor(second, "email_change"))[0]);
    expect((await post("/v1/auth/confirm-email-change", { token: firstToken })).status).toBe(400);
    expect((await post("/v1/auth/confirm-email-change", { token: secondToken })).status).toBe(200);
  });

  it("refuses the confirmation with 409 when the address was registered meanwhile", async ({ expect }) => {
    const me = await createUser();
    const wanted = uniqueEmail("contested");
    expect((await post("/v1/auth/change-email", { password: me.password, new_email: wanted }, me.headers)).status).toBe(202);
    const token = codeOf((await mailFor(wanted, "email_change"))[0]);
    await createUser({ email: wanted });
    const res = await post("/v1/auth/confirm-email-change", { token });
    expect(res.status).toBe(409);
    expect(await (await get("/v1/users/me", me.headers)).json()).toMatchObject({ user: { email: me.user.email } });
  });

  it("two racing confirmations of one link: exactly one wins, the other gets the error envelope, the account moved once", async ({ expect }) => {
    const me = await createUser();
    const newEmail = uniqueEmail("raced");
    expect((await post("/v1/auth/change-email", { password: me.password, new_email: newEmail }, me.headers)).status).toBe(202);
    const token = codeOf((await mailFor(newEmail, "email_change"))[0]);
    // The same client (one IP), as a double click or the link and the typed code at once would be.
    const ip = { "cf-connecting-ip": uniqueIp() };
    const answers = await Promise.all([post("/v1/auth/confirm-email-change", { token }, ip), post("/v1/auth/confirm-email-change", { token }, ip)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const loser = answers.find((r) => r.status !== 200);
    expect(await loser?.json()).toMatchObject({ error: { code: "VALIDATION_ERROR", message: expect.any(String) } });
    expect(await (await get("/v1/users/me", me.headers)).json()).toMatchObject({ user: { email: newEmail, email_verified: true } });
    expect((await post("/v1/auth/login", { email: newEmail, password: me.password })).status).toBe(200);
    expect((await post("/v1/auth/login", { email: me.user.email, password: me.password })).status).toBe(401);
  });

  it("two accounts racing to confirm a move to the same address: one moves, the other gets 409, neither account is damaged", async ({ expect }) => {
    const [me, other] = await Promise.all([createUser(), createUser()]);
    const wanted = uniqueEmail("wanted");
    for (const who of [me, other]) expect((await post("/v1/auth/change-email", { password: who.password, new_email: wanted }, who.headers)).status).toBe(202);
    const tokens = (await mailFor(wanted, "email_change", 2)).map((m) => codeOf(m));
    const answers = await Promise.all(tokens.map((token) => post("/v1/auth/confirm-email-change", { token })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = answers.find((r) => r.status === 409);
    expect(await loser?.json()).toMatchObject({ error: { code: "CONFLICT" } });
    const emails = await Promise.all(
      [me, other].map(async (who) => (await (await get("/v1/users/me", who.headers)).json<{ user: { email: string } }>()).user.email),
    );
    // Exactly one of them holds the address; the other kept its own.
    expect(emails.filter((e) => e === wanted)).toHaveLength(1);
    expect(emails).toContain(emails[0] === wanted ? other.user.email : me.user.email);
  });

  it("refuses hostile input", async ({ expect }) => {
    const me = await createUser();
    for (const body of [
      { password: me.password, new_email: "not an email" },
      { password: me.password },
      { new_email: uniqueEmail() },
      { password: me.password, new_email: 7 },
    ])
      expect((await post("/v1/auth/change-email", body, me.headers)).status).toBe(400);
    expect((await post("/v1/auth/change-email", { password: me.password, new_email: uniqueEmail() })).status).toBe(401);
    for (const body of [{ token: "A".repeat(43) }, { token: "" }, { token: 5 }, {}, { token: "x".repeat(600) }])
      expect((await post("/v1/auth/confirm-email-change", body)).status).toBe(400);
  });
});

describe("links in emails", () => {
  it("verification and reset emails link to the web app with the token in the fragment, beside the code", async ({ expect }) => {
    const me = await createUser();
    const [verify] = await mailFor(me.user.email, "verify_email");
    const code = codeOf(verify);
    expect(verify?.body).toContain(`Link: ${APP_URL}#verify=${code}`);
    expect(verify?.html).toContain(`href="${APP_URL}#verify=${code}"`);
    expect((await post("/v1/auth/forgot-password", { email: me.user.email })).status).toBe(202);
    const [reset] = await mailFor(me.user.email, "password_reset");
    expect(reset?.body).toContain(`Link: ${APP_URL}#reset=${codeOf(reset)}`);
    // The link's token never sits in the path or query, where a server, its logs or a Referer would see it.
    const link = /^Link: (\S+)$/m.exec(verify?.body ?? "")?.[1] ?? "";
    const url = new URL(link);
    expect(url.search).toBe("");
    expect(url.pathname).not.toContain(code);
  });
});
