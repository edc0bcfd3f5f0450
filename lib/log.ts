/**
 * Structured JSON logs: one line per request and per notable event, from this typed union.
 * Nothing here may carry a token, password, message body or secret: fields are ids, codes and counts.
 */
type Base = { request_id?: string };

export type LogEvent = Base &
  (
    | { event: "http_request"; method: string; route: string; status: number; duration_ms: number; user_id?: string }
    | { event: "unhandled_error"; where: string; error: string }
    | { event: "rpc_failure"; service: string; method: string; code: string }
    | { event: "auth_failure"; reason: string; user_id?: string }
    | { event: "rate_limited"; scope: string; key_kind: "ip" | "user" | "account" }
    | { event: "session_revoked"; user_id: string; session_id: string; reason: string }
    | { event: "socket_open"; room: "chat" | "call" | "device"; room_id: string; user_id: string }
    | { event: "socket_close"; room: "chat" | "call" | "device"; room_id: string; user_id: string; code: number }
    | { event: "socket_refused"; room: "chat" | "call" | "device"; reason: string }
    | { event: "call_state"; call_id: string; status: string; reason?: string }
    | {
        event: "queue_message";
        queue: "email" | "push" | "account";
        outcome: "sent" | "dev_sink" | "retry" | "dropped" | "dead_letter" | "duplicate";
        kind?: string;
        reason?: string;
      }
    | { event: "push_device_removed"; user_id: string; device_id: string; reason: string }
    | { event: "push_oauth_token"; outcome: "fetched" | "failed"; status?: number }
    | { event: "file_state"; file_id: string; status: string }
    | { event: "cleanup"; job: string; count: number }
    | { event: "migration"; backend: "d1" | "postgres"; applied: number }
    | { event: "config_missing"; feature: string; missing: string[] }
    | { event: "provider_failure"; provider: "turn" | "sfu" | "realtimekit"; operation: string; status: number }
    | { event: "call_participant"; call_id: string; user_id: string; action: "joined" | "declined" | "left" | "missed" | "swept" }
    | { event: "call_refused"; call_id: string; user_id: string; action: string; reason: string }
    | { event: "call_notify_failed"; call_id: string; channel: "chat" | "push"; error: string }
    | { event: "keys_uploaded"; user_id: string; device_id: string; added: number; reset: boolean }
    | { event: "prekeys_low"; user_id: string; device_id: string; remaining: number; enqueued: boolean; streamed: boolean }
    | { event: "auth_session_created"; user_id: string; session_id: string; via: "register" | "login" }
    | { event: "auth_password_rehashed"; user_id: string; iterations: number }
    | { event: "auth_email_queued"; kind: "verify_email" | "password_reset" | "email_change" | "email_changed" | "data_export_ready" }
    | { event: "auth_password_changed"; user_id: string; sessions_revoked: number }
    | { event: "auth_email_change"; user_id: string; outcome: "requested" | "changed" | "taken" }
    | { event: "auth_email_verified"; user_id: string }
    | { event: "auth_password_reset"; user_id: string; sessions_revoked: number }
    | { event: "account_deleted"; user_id: string; sessions_revoked: number }
    | { event: "account_erasure"; user_id: string; step: string; count?: number; conversation_id?: string }
    | {
        event: "account_export";
        user_id: string;
        export_id: string;
        outcome: "queued" | "ready" | "failed";
        bytes?: number;
        files?: number;
        files_with_data?: number;
        file_data_bytes?: number;
      }
  );

export function log(entry: LogEvent, level: "info" | "warn" | "error" = "info"): void {
  const line = JSON.stringify({ level, ts: new Date().toISOString(), ...entry });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** The name and message of an unexpected error, without its stack (which may carry SQL or secrets). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return "non-error thrown";
}
