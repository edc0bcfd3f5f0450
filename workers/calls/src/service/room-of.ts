import { callIdSchema } from "../../../../lib/contracts/calls";
import { AppError, detailsFromZod } from "../../../../lib/errors";
import type { CallRoom } from "../rooms/call-room";

/** A call id from a client: opaque, and never `line:<...>` (the ':' is refused). */
export function parseCallId(input: unknown): string {
  const parsed = callIdSchema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The call id is not valid.", detailsFromZod(parsed.error));
  return parsed.data;
}

/** The room of a call (or, named `line:<conversation id>`, of a conversation's line). */
export function roomOf(env: CallsEnv, callId: string): DurableObjectStub<CallRoom> {
  return env.CALL_ROOM.get(env.CALL_ROOM.idFromName(callId));
}
