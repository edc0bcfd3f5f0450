/**
 * Analytics Engine data points for chat rooms (dataset of the METRICS binding). Layout, so queries
 * stay stable: index1 = "chat"; blob1 = event; double1 = how many (1 for a socket event, the
 * messages stored by one commit batch for message_stored), double2 = the room's open sockets (after
 * a socket event; the receivers of each message for message_stored). Sum double1 for totals.
 */
export type ChatMetricEvent = "socket_open" | "socket_close" | "message_stored";

export function chatMetric(env: Pick<ChatEnv, "METRICS">, event: ChatMetricEvent, size: number, count = 1): void {
  env.METRICS?.writeDataPoint({ indexes: ["chat"], blobs: [event], doubles: [count, size] });
}
