/** The SDK's credential, block and mute methods against the real stack (issue 21). */
import { describe, it } from "vitest";
import { ApiError } from "../src/index";
import { newSession, sharedPair, signedUpClient, unique } from "./helpers/users";
import { until } from "./helpers/wait";

const PASSWORD = "correct horse battery staple";

describe("account controls through the SDK", () => {
  it("changes the password, keeping this session and ending the others", async ({ expect }) => {
    const client = await signedUpClient();
    const email = client.session.current?.user?.email ?? "";
    const other = await newSession(email);
    const result = await client.api.auth.changePassword({ current_password: PASSWORD, new_password: "another long passphrase" });
    expect(result).toEqual({ status: "password_changed", revoked_sessions: 1 });
    expect((await client.api.users.me()).user.email).toBe(email);
    await expect(other.api.users.me()).rejects.toBeInstanceOf(ApiError);
    const wrong = await client.api.auth.changePassword({ current_password: PASSWORD, new_password: "whatever passphrase" }).catch((err: unknown) => err);
    expect(wrong).toMatchObject({ status: 401, code: "INVALID_CREDENTIALS" });
  });

  it("changes the email once the new address confirms", async ({ expect }) => {
    const client = await signedUpClient();
    const newEmail = `${unique("moved")}@example.com`;
    expect(await client.api.auth.changeEmail({ password: PASSWORD, new_email: newEmail })).toEqual({ status: "accepted" });
    let body = "";
    await until(async () => {
      body = (await client.api.dev.mailbox(newEmail)).messages.find((m) => m.kind === "email_change")?.body ?? "";
      return body !== "";
    }, "the confirmation email");
    const token = /^Code: (\S+)$/m.exec(body)?.[1] ?? "";
    expect((await client.api.auth.confirmEmailChange(token)).user.email).toBe(newEmail);
  });

  it("blocks and unblocks, and mutes a conversation shown in the list", async ({ expect }) => {
    const { alice, bob } = await sharedPair();
    const bobId = bob.userId ?? "";
    expect((await alice.api.users.block(bobId)).block.user_id).toBe(bobId);
    expect((await alice.api.users.blocks()).blocks.map((b) => b.user_id)).toContain(bobId);
    const refused = await bob.api.conversations.create({ type: "direct", member_ids: [alice.userId ?? ""] }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ status: 403, code: "FORBIDDEN" });
    await alice.api.users.unblock(bobId);
    expect((await alice.api.users.blocks()).blocks.map((b) => b.user_id)).not.toContain(bobId);

    const { conversation } = await alice.api.conversations.create({ type: "group", name: unique("muted"), member_ids: [bobId] });
    const until1h = new Date(Date.now() + 3_600_000).toISOString();
    expect(await alice.api.conversations.mute(conversation.id, { until: until1h })).toEqual({ mute: { conversation_id: conversation.id, until: until1h } });
    const row = (await alice.api.conversations.list()).conversations.find((c) => c.id === conversation.id);
    expect(row).toMatchObject({ muted: true, muted_until: until1h });
    expect(await alice.api.conversations.setDisappearing(conversation.id, { seconds: 3600 })).toEqual({
      disappearing: { conversation_id: conversation.id, seconds: 3600 },
    });
    await alice.api.conversations.unmute(conversation.id);
    expect((await alice.api.conversations.list()).conversations.find((c) => c.id === conversation.id)).toMatchObject({ muted: false });
  });
});
