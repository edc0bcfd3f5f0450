/**
 * The conversation list and a blocked sender (issue 21): the blocker's preview of a blocked member's
 * newest message is marked `sender_blocked`, as their copy of it in history is, in `GET
 * /v1/conversations` and on the device stream; nobody else's is; unblocking unmarks it at once.
 * Through the real gateway, rooms and device streams.
 */
import { describe, it } from "vitest";
import { createUser, type TestUser } from "../helpers/auth";
import { nextEvent, openStream, type Stream } from "../devices/publish-client";
import { api, createGroup, listedAt, sendRest } from "./chat-client";

type Preview = { seq: number; sender_id: string; sender_blocked?: true } | null | undefined;
/** What a row shows of its last message: seq, sender, and whether it is marked. */
const shown = (p: Preview) => (p ? [p.seq, p.sender_id, p.sender_blocked ?? false] : p);
/** The `conversation` entry a stream gets for the conversation's message `seq`. */
const streamed = async (stream: Stream, conversationId: string, seq: number) =>
  shown((await nextEvent(stream, "conversation", (e) => e.conversation_id === conversationId && e.last_seq === seq)).last_message);
/** `GET /v1/conversations` once it shows message `seq` last. */
const listed = async (user: TestUser, conversationId: string, seq: number) => shown((await listedAt(user, conversationId, seq))?.last_message);

describe("a blocked member's message as the conversation list shows it", () => {
  it("is marked for the blocker only, in the list and on the stream, whatever the sender claims; unblocking unmarks it", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(carol, [alice, bob]);
    expect((await api(alice, "PUT", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(200);
    const [alices, carols] = await Promise.all([openStream(alice), openStream(carol)]);

    const [b, c] = [bob.user.id, carol.user.id];
    await sendRest(bob, group.id, { client_id: "b1", body: "from bob" });
    expect(await streamed(alices, group.id, 1)).toEqual([1, b, true]);
    expect(await streamed(carols, group.id, 1)).toEqual([1, b, false]);
    expect(await listed(alice, group.id, 1)).toEqual([1, b, true]);
    expect(await listed(carol, group.id, 1)).toEqual([1, b, false]);
    expect(await listed(bob, group.id, 1)).toEqual([1, b, false]);

    // Someone else's newer message: nothing to mark.
    await sendRest(carol, group.id, { client_id: "c1", body: "from carol" });
    expect(await streamed(alices, group.id, 2)).toEqual([2, c, false]);

    // Hostile: bob claims to be carol, and unblocked; the server knows who sent it.
    const forged = await sendRest(bob, group.id, { client_id: "b2", body: "it is carol", sender_id: c, sender_blocked: false });
    expect(forged.message.sender_id).toBe(b);
    expect(await streamed(alices, group.id, 3)).toEqual([3, b, true]);
    expect(await listed(alice, group.id, 3)).toEqual([3, b, true]);

    // Unblocked: the same preview reads plainly at once (the mark is decided per read), new ones are not marked.
    expect((await api(alice, "DELETE", `/v1/users/me/blocks/${b}`)).status).toBe(204);
    expect(await listed(alice, group.id, 3)).toEqual([3, b, false]);
    await sendRest(bob, group.id, { client_id: "b3", body: "friends again" });
    expect(await streamed(alices, group.id, 4)).toEqual([4, b, false]);
    await Promise.all([alices.socket.end(), carols.socket.end()]);
  });
});
