import { describe, it } from "vitest";
import { applyEntry, mergeRow, rowFromItem, sortRows, totalUnread, type ConversationListItem, type DeviceEvent, type LiveConversation } from "../src/index";

/** The live list's rules as pure functions: no network. */

const item = (id: string, over: Partial<ConversationListItem> = {}): ConversationListItem => ({
  id,
  type: "group",
  name: id,
  members: [
    { user_id: "me", role: "member" },
    { user_id: "bob", role: "owner" },
  ],
  encryption: "none",
  created_at: "2026-01-01T00:00:00.000Z",
  last_activity_at: "2026-01-01T00:00:00.000Z",
  last_message_seq: 2,
  last_message: { id: "m2", seq: 2, sender_id: "bob", content_type: "text/plain", body: "hi", created_at: "2026-01-01T00:00:00.000Z" },
  unread_count: 2,
  last_read_seq: 0,
  role: "member",
  ...over,
});
const at = "2026-01-02T00:00:00.000Z";
const preview = (seq: number, sender = "bob", created_at = at) => ({
  seq,
  sender_id: sender,
  content_type: "text/plain",
  body: `m${seq}`,
  ciphertext: null,
  truncated: false,
  deleted: false,
  created_at,
});
const message = (id: string, seq: number, sender = "bob", lastRead = 0): Extract<DeviceEvent, { kind: "conversation" }> => ({
  kind: "conversation",
  conversation_id: id,
  change: "message",
  last_seq: seq,
  last_message: preview(seq, sender),
  last_read_seq: lastRead,
});
function set(row: LiveConversation | undefined, event: DeviceEvent, self = "me"): LiveConversation {
  const change = applyEntry(row, { pos: 1, at, event }, self);
  if (change.kind !== "set") throw new Error(`expected a row, got ${change.kind}`);
  return change.row;
}

describe("live conversation list rules", () => {
  it("a new message sets the last message, unread = last_seq − last_read_seq, and moves the conversation up", ({ expect }) => {
    const a = rowFromItem(item("a", { last_activity_at: "2026-01-01T10:00:00.000Z" }));
    const b = rowFromItem(item("b"));
    expect(a.last_message).toMatchObject({ seq: 2, body: "hi", ciphertext: null, truncated: false, deleted: false });
    expect(sortRows([b, a]).map((r) => r.id)).toEqual(["a", "b"]);
    const b2 = set(b, message("b", 5));
    expect(b2).toMatchObject({ last_message_seq: 5, unread_count: 5, last_activity_at: at, last_message: { body: "m5" } });
    expect(sortRows([a, b2]).map((r) => r.id)).toEqual(["b", "a"]);
    expect(totalUnread([a, b2])).toBe(7);
  });

  it("reading on another device clears the badge; a read never moves the watermark back", ({ expect }) => {
    const row = set(rowFromItem(item("a")), message("a", 4));
    const read = set(row, { kind: "read", conversation_id: "a", seq: 4 });
    expect(read.unread_count).toBe(0);
    expect(set(read, { kind: "read", conversation_id: "a", seq: 1 }).last_read_seq).toBe(4);
    expect(applyEntry(undefined, { pos: 1, at, event: { kind: "read", conversation_id: "zz", seq: 1 } }, "me")).toEqual({ kind: "none" });
  });

  it("my own message (sent on another device) is read; an older or replayed change does not undo a newer one", ({ expect }) => {
    const mine = set(rowFromItem(item("a")), message("a", 3, "me"));
    expect(mine).toMatchObject({ last_read_seq: 3, unread_count: 0 });
    const newer = set(rowFromItem(item("a")), message("a", 9));
    const replayed = set(newer, message("a", 6));
    expect(replayed).toMatchObject({ last_message_seq: 9, last_message: { seq: 9 } });
    // An edit of the newest message (same seq) replaces its preview but is not new activity.
    const edited = set(newer, { ...message("a", 9), change: "edit", last_message: { ...preview(9), body: "edited", created_at: "2026-01-01T00:00:00.000Z" } });
    expect(edited).toMatchObject({ last_message: { body: "edited" }, last_activity_at: newer.last_activity_at });
  });

  it("membership: added to an unknown conversation or a change to one fetches it; removed drops it; role changes apply", ({ expect }) => {
    const added: DeviceEvent = { kind: "membership", conversation_id: "n", change: "added", role: "member" };
    expect(applyEntry(undefined, { pos: 1, at, event: added }, "me")).toEqual({ kind: "fetch" });
    expect(applyEntry(undefined, { pos: 1, at, event: message("n", 1) }, "me")).toEqual({ kind: "fetch" });
    const row = rowFromItem(item("a"));
    expect(applyEntry(row, { pos: 1, at, event: { kind: "membership", conversation_id: "a", change: "removed", role: null } }, "me")).toEqual({
      kind: "remove",
    });
    expect(set(row, { kind: "membership", conversation_id: "a", change: "role_changed", role: "admin" }).role).toBe("admin");
    const call: DeviceEvent = {
      kind: "call",
      event: "ringing",
      call: { id: "x", conversation_id: "a", type: "audio", status: "ringing", initiator_id: "bob" },
    };
    expect(applyEntry(row, { pos: 1, at, event: call }, "me")).toEqual({ kind: "none" });
  });

  it("details: a rename sets the name; someone else's membership change refetches only an unnamed group; unknown conversations stay out", ({ expect }) => {
    const row = rowFromItem(item("a", { name: "Before" }));
    const renamed = set(row, { kind: "details", conversation_id: "a", change: "name", name: "After" });
    expect(renamed).toMatchObject({ name: "After", last_message_seq: row.last_message_seq, unread_count: row.unread_count, role: "member" });
    // A rename is activity: the group moves up, as the server's list orders it.
    expect(renamed.last_activity_at).toBe(at);
    expect(sortRows([rowFromItem(item("b", { last_activity_at: "2026-01-01T12:00:00.000Z" })), renamed]).map((r) => r.id)).toEqual(["a", "b"]);
    // A named group's title does not depend on its members: the name applies, nothing is fetched.
    expect(set(renamed, { kind: "details", conversation_id: "a", change: "members", name: "After" }).name).toBe("After");
    const unnamed = rowFromItem(item("u", { name: null }));
    expect(applyEntry(unnamed, { pos: 1, at, event: { kind: "details", conversation_id: "u", change: "members", name: null } }, "me")).toEqual({
      kind: "refresh",
      row: unnamed,
    });
    expect(applyEntry(undefined, { pos: 1, at, event: { kind: "details", conversation_id: "zz", change: "name", name: "X" } }, "me")).toEqual({ kind: "none" });
  });

  it("a reload's REST row (a second behind the stream) merges forward only", ({ expect }) => {
    const kept = set(set(rowFromItem(item("a")), message("a", 8)), { kind: "read", conversation_id: "a", seq: 6 });
    const stale = rowFromItem(item("a", { last_message_seq: 7, last_read_seq: 7, unread_count: 0, name: "renamed" }));
    const merged = mergeRow(kept, stale);
    expect(merged).toMatchObject({ name: "renamed", last_message_seq: 8, last_read_seq: 7, unread_count: 1, last_message: { seq: 8 }, last_activity_at: at });
  });

  it("a last message from someone I block stays marked from REST and the stream; a reload after unblocking unmarks it", ({ expect }) => {
    const last = item("a").last_message;
    if (!last) throw new Error("fixture without a last message");
    const marked = rowFromItem(item("a", { last_message: { ...last, sender_blocked: true } }));
    expect(marked.last_message).toMatchObject({ seq: 2, sender_id: "bob", sender_blocked: true });
    expect(rowFromItem(item("a")).last_message?.sender_blocked).toBeUndefined();
    const live = set(marked, { ...message("a", 3), last_message: { ...preview(3), sender_blocked: true } });
    expect(live.last_message).toMatchObject({ seq: 3, sender_blocked: true });
    // The same seq from a reload (the server decides per read): the REST row's mark wins.
    const reloaded = mergeRow(live, rowFromItem(item("a", { last_message_seq: 3, last_message: { ...last, seq: 3 } })));
    expect(reloaded.last_message).toMatchObject({ seq: 3 });
    expect(reloaded.last_message?.sender_blocked).toBeUndefined();
  });
});
