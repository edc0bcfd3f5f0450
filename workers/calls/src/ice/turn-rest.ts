/**
 * The TURN REST credential scheme coturn verifies with `use-auth-secret` / `static-auth-secret`:
 * username = "<unix expiry>:<user id>", credential = base64(HMAC-SHA1(shared secret, username)).
 * The TURN server recomputes the HMAC and refuses the username once its expiry has passed.
 */
export async function turnRestCredential(
  sharedSecret: string,
  userId: string,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): Promise<{ username: string; credential: string; expiresAt: string }> {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${userId}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(sharedSecret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return { username, credential: btoa(binary), expiresAt: new Date(expiry * 1000).toISOString() };
}
