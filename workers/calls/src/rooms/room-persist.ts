import { withDb } from "../../../../lib/db";
import type { ParticipantPatch } from "../../../../lib/db";
import type { ParticipantOutcome } from "../../../../lib/db/rows";
import type { CallState } from "./call-state";

/**
 * The call log: every transition of the room is written through the calls repository BEFORE the
 * room commits it to its own storage, so a failed write leaves both unchanged and the request (or
 * the alarm, which the runtime retries) can be repeated. The repository's guards (`onlyIf`,
 * status-conditional updates) make a repeated write harmless.
 */
export async function persistCreated(env: CallsEnv, state: CallState): Promise<void> {
  await withDb(env, (db) =>
    db.calls.create(
      { id: state.id, conversationId: state.conversationId, type: state.type, initiatorId: state.initiatorId, participantIds: Object.keys(state.participants) },
      state.createdAt,
    ),
  );
}

export async function persistParticipant(
  env: CallsEnv,
  state: CallState,
  userId: string,
  patch: ParticipantPatch,
  onlyIf?: readonly ParticipantOutcome[],
): Promise<void> {
  await withDb(env, (db) => db.calls.updateParticipant(state.id, userId, patch, onlyIf));
}

export async function persistActive(env: CallsEnv, state: CallState, now: string): Promise<void> {
  await withDb(env, (db) => db.calls.markActive(state.id, now));
}

/** The repository marks pending rows missed and closes joined rows, exactly as `endCall` does in memory. */
export async function persistEnded(env: CallsEnv, state: CallState, reason: string, now: string): Promise<void> {
  await withDb(env, (db) => db.calls.end(state.id, reason, now));
}
