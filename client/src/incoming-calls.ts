import type { CALL_LIMITS } from "../../lib/contracts/calls";
import type { DeviceStream, EntryOf } from "./device-stream";
import { Emitter } from "./emitter";
import type { CallSummary } from "./types";

type CallEvent = EntryOf<"call">["event"];
/** Why a call stopped ringing here. */
export type RingStopped = Exclude<CallEvent["event"], "ringing">;

export interface IncomingCallsEvents {
  /** The calls ringing on this device now, oldest first. */
  change: CallSummary[];
  /** A call started ringing here (show the incoming-call screen, play the ring tone). */
  ringing: CallSummary;
  /** It stopped ringing here: answered on another device, declined, ended, missed, or dismissed. */
  stopped: { call: CallSummary; reason: RingStopped | "dismissed" };
}

/** No call rings longer than the server's longest ring timeout (tied to the contract at compile time). */
const MAX_RING_SECONDS: (typeof CALL_LIMITS)["ringTimeoutMaxSeconds"] = 120;
const MAX_RING_MS = MAX_RING_SECONDS * 1000;

/**
 * "Ringing now" from the device stream, wherever the user is in the app: a call rings from its
 * `ringing` entry until `answered_elsewhere`, `declined`, `ended` or `missed` arrives, until the
 * app `dismiss`es it (answered or declined here), or at the latest after the longest ring timeout
 * (an end lost with a reset). Calls this user started do not ring; a `ringing` entry replayed after
 * a long absence (older than that timeout) does not either.
 */
export class IncomingCalls extends Emitter<IncomingCallsEvents> {
  private readonly calls = new Map<string, { call: CallSummary; timer: ReturnType<typeof setTimeout> }>();
  private readonly offs: Array<() => void>;

  constructor(
    stream: DeviceStream,
    private readonly selfId: () => string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.offs = [
      stream.on("call", (entry) => this.onCall(entry)),
      // After a reset nothing says which rings are still on: drop them rather than ring forever.
      stream.on("reset", () => {
        for (const id of [...this.calls.keys()]) this.stop(id, "ended");
      }),
    ];
  }

  get ringing(): CallSummary[] {
    return [...this.calls.values()].map((ring) => ring.call);
  }

  isRinging(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** Stops ringing here (the user answered with `acceptCall` or declined on this device). */
  dismiss(callId: string): void {
    this.stop(callId, "dismissed");
  }

  close(): void {
    for (const off of this.offs) off();
    for (const ring of this.calls.values()) clearTimeout(ring.timer);
    this.calls.clear();
  }

  private onCall(entry: EntryOf<"call">): void {
    const { event, call } = entry.event;
    if (event !== "ringing") return this.stop(call.id, event);
    const age = this.now() - Date.parse(entry.at);
    if (call.initiator_id === this.selfId() || this.calls.has(call.id) || age >= MAX_RING_MS) return;
    const timer = setTimeout(() => this.stop(call.id, "missed"), MAX_RING_MS - Math.max(0, age));
    this.calls.set(call.id, { call, timer });
    this.emit("ringing", call);
    this.emit("change", this.ringing);
  }

  private stop(callId: string, reason: RingStopped | "dismissed"): void {
    const ring = this.calls.get(callId);
    if (!ring) return;
    clearTimeout(ring.timer);
    this.calls.delete(callId);
    this.emit("stopped", { call: ring.call, reason });
    this.emit("change", this.ringing);
  }
}
