import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { CallEventFrame } from "../../lib/contracts/chat-frames";
import { createUser } from "../helpers/auth";
import { connect, createGroup } from "./chat-client";

const ctx = { requestId: "calls-bridge-test" };

describe("ChatService for the calls and storage workers", () => {
  it("answers membership, members and connected users from the source of truth", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    expect(await env.CHAT.isMember(ctx, { conversationId: group.id, userId: alice.user.id })).toEqual({ ok: true, value: { member: true, role: "owner" } });
    expect(await env.CHAT.isMember(ctx, { conversationId: group.id, userId: eve.user.id })).toEqual({ ok: true, value: { member: false } });
    const bad = await env.CHAT.isMember(ctx, { conversationId: "", userId: eve.user.id });
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });

    const members = await env.CHAT.members(ctx, group.id);
    expect(members.ok && [...members.value.userIds].sort()).toEqual([alice.user.id, bob.user.id].sort());
    expect(await env.CHAT.connectedUsers(ctx, group.id)).toEqual({ ok: true, value: { userIds: [] } });
    const b = await connect(bob, group.id);
    expect(await env.CHAT.connectedUsers(ctx, group.id)).toEqual({ ok: true, value: { userIds: [bob.user.id] } });
    await b.socket.end();
  });

  it("delivers call event frames to the named members' sockets only", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    const b = await connect(bob, group.id);
    const c = await connect(carol, group.id);
    const frame: CallEventFrame = {
      type: "call",
      event: "incoming",
      call: { id: "019a0000-0000-7000-8000-00000000ca11", conversation_id: group.id, type: "video", status: "ringing", initiator_id: alice.user.id },
    };
    expect(await env.CHAT.deliverCallEvent(ctx, { conversationId: group.id, userIds: [bob.user.id], frame })).toEqual({ ok: true, value: { delivered: 1 } });
    expect(await b.socket.next("call")).toEqual(frame);
    const ended: CallEventFrame = { ...frame, event: "ended", call: { ...frame.call, status: "ended" } };
    expect(await env.CHAT.deliverCallEvent(ctx, { conversationId: group.id, frame: ended })).toEqual({ ok: true, value: { delivered: 2 } });
    expect(await c.socket.next("call")).toEqual(ended);
    expect(c.socket.frames.some((f) => f.type === "call" && f.event === "incoming")).toBe(false);
    const forged = await env.CHAT.deliverCallEvent(ctx, { conversationId: group.id, frame: { ...frame, event: "hijack" } as unknown as CallEventFrame });
    expect(forged).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
    await b.socket.end();
    await c.socket.end();
  });
});
