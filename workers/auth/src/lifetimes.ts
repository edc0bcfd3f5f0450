/** Every lifetime of the auth worker, in one place (README "Token lifetimes" mirrors this). */
export { ACCESS_TOKEN_TTL_SECONDS } from "../../../lib/jwt";
/** Refresh tokens: 30 days, renewed by every rotation (idle timeout). */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A session's absolute lifetime: even a session refreshed daily signs in again after 90 days. */
export const SESSION_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
export const VERIFY_EMAIL_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const RESET_PASSWORD_TOKEN_TTL_MS = 60 * 60 * 1000;
export const WS_TICKET_TTL_SECONDS = 60;

export function isoIn(ms: number, from: number = Date.now()): string {
  return new Date(from + ms).toISOString();
}
