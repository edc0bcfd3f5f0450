import { callSummarySchema, type CallEventFrame, type CallSummary } from "../../../../lib/contracts/chat-frames";
import type { RoomMembers } from "./room-members";

const KEY = "active_call";

/**
 * The conversation's open call, as the calls worker's events told the room (`incoming` opens it,
 * `ended` closes it), kept in the room's meta table so a restarted room still knows: a member added
 * to a group during its call is rung on add. Best effort: a lost `ended` leaves a stale call whose
 * late ring the calls worker answers with NOT_FOUND/CONFLICT on join.
 */
export class ActiveCall {
  constructor(private readonly members: RoomMembers) {}

  track(frame: CallEventFrame): void {
    if (frame.event === "incoming") this.members.setMeta(KEY, JSON.stringify(frame.call));
    else if (frame.event === "ended" && this.current()?.id === frame.call.id) this.members.setMeta(KEY, "");
  }

  current(): CallSummary | null {
    const raw = this.members.getMeta(KEY);
    if (!raw) return null;
    const parsed = callSummarySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }
}
