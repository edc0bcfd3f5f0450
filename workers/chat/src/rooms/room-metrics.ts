/**
 * Analytics Engine data points for chat rooms (dataset of the METRICS binding). Layout, so queries
 * stay stable: index1 = "chat"; blob1 = event; double1 = 1 (a count), double2 = the room's open
 * sockets after the event (sockets) or the receivers the message was fanned out to (messages).
 */
export type ChatMetricEvent = "socket_open" | "socket_close" | "message_stored";

export function chatMetric(env: Pick<ChatEnv, "METRICS">, event: ChatMetricEvent, size: number): void {
  env.METRICS?.writeDataPoint({ indexes: ["chat"], blobs: [event], doubles: [1, size] });
}
