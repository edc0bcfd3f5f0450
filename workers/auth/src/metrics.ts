/**
 * Analytics Engine data points for authentication (dataset of the METRICS binding). Layout, so
 * queries stay stable: index1 = "auth"; blob1 = action, blob2 = outcome; double1 = 1 (a count).
 * Never user data: actions and outcomes are fixed words.
 */
export type AuthAction =
  | "register"
  | "login"
  | "refresh"
  | "forgot_password"
  | "resend_verification"
  | "verify_email"
  | "reset_password"
  | "logout"
  | "revoke_session"
  | "change_password"
  | "change_email"
  | "confirm_email_change"
  | "delete_account";
export type AuthOutcome = "success" | "invalid_credentials" | "conflict" | "rate_limited" | "reuse_detected" | "invalid_token";

export function authMetric(env: Pick<AuthEnv, "METRICS">, action: AuthAction, outcome: AuthOutcome): void {
  env.METRICS?.writeDataPoint({ indexes: ["auth"], blobs: [action, outcome], doubles: [1] });
}
