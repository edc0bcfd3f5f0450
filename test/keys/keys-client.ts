import { exports } from "cloudflare:workers";

/** Calls the public gateway the way an app would, for the key-directory tests. */
export const BASE = "http://sc.test";

export type OneTimePrekey = { key_id: number; public_key: string };
export type SignedPrekey = { key_id: number; public_key: string; signature: string };
export type DeviceBundle = { device_id: string; identity_key: string; signed_prekey: SignedPrekey; one_time_prekey: OneTimePrekey | null };

/** A fresh random 32-byte public key as standard base64 (what an app would send). */
export function randomKey(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw));
}

export function prekeys(fromId: number, n: number): OneTimePrekey[] {
  return Array.from({ length: n }, (_, i) => ({ key_id: fromId + i, public_key: randomKey() }));
}

export function upload(deviceId: string, oneTime: OneTimePrekey[], identityKey = randomKey()) {
  return {
    device_id: deviceId,
    identity_key: identityKey,
    signed_prekey: { key_id: 1, public_key: randomKey(), signature: randomKey(64) },
    one_time_prekeys: oneTime,
  };
}

export function putKeys(headers: HeadersInit, body: unknown): Promise<Response> {
  return exports.default.fetch(`${BASE}/v1/keys`, { method: "PUT", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export function getCount(headers: HeadersInit, deviceId: string): Promise<Response> {
  return exports.default.fetch(`${BASE}/v1/keys/count?device_id=${encodeURIComponent(deviceId)}`, { headers });
}

export function getBundle(headers: HeadersInit, userId: string, deviceId?: string): Promise<Response> {
  const query = deviceId === undefined ? "" : `?device_id=${encodeURIComponent(deviceId)}`;
  return exports.default.fetch(`${BASE}/v1/keys/${encodeURIComponent(userId)}${query}`, { headers });
}

export async function bundleOf(headers: HeadersInit, userId: string, deviceId?: string): Promise<DeviceBundle[]> {
  const res = await getBundle(headers, userId, deviceId);
  if (res.status !== 200) throw new Error(`bundle fetch answered ${res.status}: ${await res.text()}`);
  const body = await res.json<{ devices: DeviceBundle[] }>();
  return body.devices;
}

export async function countOf(headers: HeadersInit, deviceId: string): Promise<{ one_time_prekeys: number; prekeys_low: boolean }> {
  const res = await getCount(headers, deviceId);
  if (res.status !== 200) throw new Error(`count answered ${res.status}: ${await res.text()}`);
  return await res.json<{ one_time_prekeys: number; prekeys_low: boolean }>();
}

export async function errorCode(res: Response): Promise<string> {
  const body = await res.json<{ error?: { code?: string } }>();
  return body.error?.code ?? "none";
}
