/**
 * MLS test helpers: the device of a session, and stand-ins for MLS bytes. The server never parses
 * MLS (it stores and orders opaque base64url), so distinct random bytes of a realistic size are
 * what a KeyPackage, a commit or a Welcome is to it.
 */
import type { TestUser } from "./auth";

/** The device of a user's session, as its access token carries it (`did`). */
export function deviceOf(user: TestUser): string {
  const payload = user.accessToken.split(".")[1] ?? "";
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { did?: string };
  if (!claims.did) throw new Error("the access token carries no device");
  return claims.did;
}

/** Unpadded base64url of `bytes` random bytes (a KeyPackage is ≈440). */
export function opaque(bytes = 440): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const keyPackages = (n: number): string[] => Array.from({ length: n }, () => opaque());
