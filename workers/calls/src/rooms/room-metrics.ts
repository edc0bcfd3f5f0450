import type { CallState } from "./call-state";

/**
 * Analytics Engine data points for calls (dataset of the METRICS binding). Layout, so queries stay
 * stable: index1 = "call"; blob1 = event ("started" | "ended"), blob2 = call type, blob3 = end
 * reason ("" when started); double1 = invitees, double2 = people who joined, double3 = duration (s).
 */
export function callMetric(env: CallsEnv, event: "started" | "ended", state: CallState): void {
  const invitees = Object.keys(state.participants).length;
  const joined = Object.values(state.participants).filter((p) => p.joinedAt !== null).length;
  env.METRICS?.writeDataPoint({
    indexes: ["call"],
    blobs: [event, state.type, state.endReason ?? ""],
    doubles: [invitees, joined, state.durationSeconds ?? 0],
  });
}
