import type { CallList, SecureConnectClient } from "../../client/src/index";

type CallItem = CallList["calls"][number];

/** A call as a line in its conversation, or null when another line already tells it (the missed-call message). */
export interface CallEntry {
  id: string;
  text: string;
  /** Where it sits among the messages. */
  at: string;
  kind: "call-ringing" | "call-ended" | "call-declined";
}

const HISTORY_LIMIT = 50;

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** How the caller of the route sees one call, as WhatsApp and Signal word it. */
export function callEntry(call: CallItem, me: string | undefined): CallEntry | null {
  const kind = call.type === "video" ? "Video call" : "Audio call";
  if (call.status === "ringing") return { id: call.id, text: `${kind} ringing…`, at: call.created_at, kind: "call-ringing" };
  if (call.status === "active") return null; // The stage shows it; the entry comes when it ends.
  // A call we missed already left its "Missed … call" message in the conversation.
  if (call.missed) return null;
  const at = call.ended_at ?? call.created_at;
  if (call.started_at) return { id: call.id, text: `${kind} · ${duration(call.duration_seconds ?? 0)}`, at, kind: "call-ended" };
  const mine = call.initiator_id === me;
  const others = call.participants.filter((p) => p.user_id !== call.initiator_id);
  const declined = others.length > 0 && others.every((p) => p.outcome === "declined");
  if (!mine)
    return declined || call.end_reason === "declined" ? { id: call.id, text: `You declined a ${kind.toLowerCase()}`, at, kind: "call-declined" } : null;
  if (declined || call.end_reason === "declined") return { id: call.id, text: `${kind} · declined`, at, kind: "call-declined" };
  // Unanswered (rang out, or we gave up): the missed-call message the server leaves in our name reads
  // "… · no answer" to us (message-text.ts), so no second line here.
  return null;
}

/** The conversation's recent calls as entries (history failing leaves the conversation as it is). */
export async function callEntries(client: SecureConnectClient, conversationId: string): Promise<CallEntry[]> {
  try {
    const { calls } = await client.api.calls.history({ conversation_id: conversationId, limit: HISTORY_LIMIT });
    return calls.map((call) => callEntry(call, client.userId)).filter((entry): entry is CallEntry => entry !== null);
  } catch {
    return [];
  }
}
