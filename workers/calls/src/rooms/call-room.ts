import { DurableObject } from "cloudflare:workers";

/** One per call: ringing → active → ended, signaling relay, timers by alarm. */
export class CallRoom extends DurableObject<CallsEnv> {}
