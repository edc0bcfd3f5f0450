import { callIdSchema } from "../../../../lib/contracts/calls";
import type { CallTarget } from "../../../../lib/contracts/calls-rpc";
import { parseInput } from "../../../../lib/rpc";

/** The call an RPC names: opaque, and never `line:<...>` (the ':' is refused). */
export function callIdOf(input: CallTarget): string {
  return parseInput(callIdSchema, input.callId, "The call id is not valid.");
}
