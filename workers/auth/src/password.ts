/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto. Workers in production refuse more than
 * 100,000 PBKDF2 iterations per deriveBits call (local workerd does not enforce it), so that is
 * our cost; the stored format names the algorithm and cost so a later raise rehashes on login:
 *   pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>
 */
import { fromBase64url } from "../../../lib/base64url";
import { base64url } from "../../../lib/ids";

export const PBKDF2_ITERATIONS = 100_000;
/** The production Workers ceiling for one PBKDF2 call. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BITS = 256;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  // NFKC (NIST SP 800-63B): the same passphrase typed on two keyboards may arrive composed or not.
  const bytes = new TextEncoder().encode(password.normalize("NFKC"));
  const key = await crypto.subtle.importKey("raw", bytes, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations: number = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${SCHEME}$${iterations}$${base64url(salt)}$${base64url(hash)}`;
}

interface ParsedHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function parse(stored: string): ParsedHash | null {
  const [scheme, iterationsText, saltText, hashText, ...rest] = stored.split("$");
  if (scheme !== SCHEME || !iterationsText || !saltText || !hashText || rest.length > 0) return null;
  const iterations = Number(iterationsText);
  // A stored cost above the production ceiling could never be verified there: treat as unusable.
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) return null;
  return { iterations, salt: fromBase64url(saltText), hash: fromBase64url(hashText) };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

export interface PasswordCheck {
  valid: boolean;
  /** The hash was made at another cost than today's: store a fresh one now that we know the password. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const parsed = parse(stored);
  if (!parsed) {
    await derive(password, DUMMY_SALT, PBKDF2_ITERATIONS);
    return { valid: false, needsRehash: false };
  }
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  const valid = equalBytes(candidate, parsed.hash);
  return { valid, needsRehash: valid && parsed.iterations !== PBKDF2_ITERATIONS };
}

const DUMMY_SALT = new Uint8Array(SALT_BYTES);

/**
 * Spends the same work as a real verification when the account does not exist, so login takes
 * about the same time for an unknown email and a wrong password.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  await derive(password, DUMMY_SALT, PBKDF2_ITERATIONS);
}
