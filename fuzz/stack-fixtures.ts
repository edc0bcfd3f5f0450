import { randomBytes } from "node:crypto";

/**
 * The real data the fuzz aims at: a few signed-up users (some verified through the dev mailbox), and
 * conversations, messages, files, calls, devices and keys between them, so that path parameters and
 * id fields can be real ids, other users' ids, or random ones.
 */

export const PASSWORD = "fuzz correct horse battery";

let addressCounter = 0;
const addressSalt = randomBytes(1)[0] ?? 0;
/**
 * A new client address per request (100.64.0.0/10, shared address space): the gateway counts its
 * per-IP limits by CF-Connecting-IP, which `wrangler dev` passes through, as bench/lib/api.mjs does.
 */
export function nextClientIp(): string {
  addressCounter += 1;
  const n = addressCounter + addressSalt * 65_536;
  return `100.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

export interface Actor {
  index: number;
  id: string;
  email: string;
  token: string;
  refreshToken: string;
  /** Set when a request with this actor's token answered 401: log in again before the next use. */
  stale: boolean;
}

export interface Pools {
  userIds: string[];
  conversationIds: string[];
  callIds: string[];
  fileIds: string[];
  deviceIds: string[];
  keyDeviceIds: string[];
  sessionIds: string[];
  emails: string[];
  refreshTokens: string[];
  verifyTokens: string[];
  seqs: number[];
}

export interface Fixtures {
  base: string;
  actors: Actor[];
  pools: Pools;
  /** A direct conversation between actors 0 and 1, and a call in it that both joined. */
  direct: { conversationId: string; callId: string };
}

interface JsonAnswer {
  status: number;
  json: unknown;
}

export async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<JsonAnswer> {
  const headers: Record<string, string> = { "cf-connecting-ip": nextClientIp() };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  for (let attempt = 0; ; attempt++) {
    // Setup retries a dropped connection (a `wrangler dev` reload); the fuzz itself never does.
    const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).catch(
      async (err: unknown) => {
        if (attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 2000));
        return undefined;
      },
    );
    if (res === undefined) continue;
    const text = await res.text();
    if (res.status === 429 && attempt < 3) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? "1")));
      continue;
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

function str(value: unknown, ...path: string[]): string {
  const v = field(value, ...path);
  if (typeof v !== "string") throw new Error(`fixture setup: no string at ${path.join(".")} in ${JSON.stringify(value).slice(0, 300)}`);
  return v;
}

async function expectOk(answer: Promise<JsonAnswer>, what: string): Promise<unknown> {
  const { status, json } = await answer;
  if (status >= 300) throw new Error(`fixture setup: ${what} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/**
 * Logs an actor in again (after a fuzzed logout, session revocation or refresh-token reuse). The fuzz
 * knows the actors' password, so a generated request can also change it, change the email or delete
 * the account: then login is refused for good and the slot gets a new account of its own.
 */
export async function relogin(base: string, actor: Actor): Promise<void> {
  const answer = await call(base, "POST", "/v1/auth/login", { email: actor.email, password: PASSWORD });
  const json =
    answer.status === 401
      ? await register(base, actor, `${actor.email.split("@")[0] ?? "fuzz"}r`)
      : await expectOk(Promise.resolve(answer), `login ${actor.email}`);
  actor.token = str(json, "access_token");
  actor.refreshToken = str(json, "refresh_token");
  actor.stale = false;
}

/** A new account in the actor's slot (`name` makes its email and username; both stay unique per run). */
async function register(base: string, actor: Pick<Actor, "index" | "id" | "email">, name: string): Promise<unknown> {
  const email = `${name}@example.com`;
  const username = name.replace(/[^a-z0-9]/g, "").slice(-30);
  const json = await expectOk(
    call(base, "POST", "/v1/auth/register", { email, username, password: PASSWORD, display_name: `Fuzz ${actor.index}` }),
    "register",
  );
  actor.id = str(json, "user", "id");
  actor.email = email;
  return json;
}

async function verificationToken(base: string, email: string): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const box = await call(base, "GET", `/dev/mailbox?to=${encodeURIComponent(email)}`);
    if (box.status !== 200) return undefined; // no dev mailbox (a production-mode stack)
    const messages = field(box.json, "messages");
    const first = Array.isArray(messages) ? (messages[0] as unknown) : undefined;
    const body = field(first, "body");
    const token = typeof body === "string" ? /Code: (\S+)/.exec(body)?.[1] : undefined;
    if (token !== undefined) return token;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

export async function createFixtures(base: string, actorCount: number): Promise<Fixtures> {
  const run = randomBytes(3).toString("hex");
  const actors = await Promise.all(
    Array.from({ length: actorCount }, async (_, index): Promise<Actor> => {
      const slot = { index, id: "", email: "" };
      const json = await register(base, slot, `fz${run}${index}`);
      return { ...slot, token: str(json, "access_token"), refreshToken: str(json, "refresh_token"), stale: false };
    }),
  );
  const pools: Pools = {
    userIds: actors.map((a) => a.id),
    conversationIds: [],
    callIds: [],
    fileIds: [],
    deviceIds: [],
    keyDeviceIds: [],
    sessionIds: [],
    emails: actors.map((a) => a.email),
    refreshTokens: [],
    verifyTokens: [],
    seqs: [1, 2, 3],
  };
  // Half the actors verify their email; the tokens of the others stay in the pool for the fuzz to use.
  for (const actor of actors) {
    const token = await verificationToken(base, actor.email);
    if (token === undefined) continue;
    if (actor.index % 2 === 0) await expectOk(call(base, "POST", "/v1/auth/verify-email", { token }), "verify-email");
    else pools.verifyTokens.push(token);
  }
  const [a0, a1] = actors;
  if (a0 === undefined || a1 === undefined) throw new Error("fixture setup needs at least two actors");
  let directId = "";
  for (const actor of actors) {
    const peer = actors[(actor.index + 1) % actors.length] ?? a1;
    const conv = await expectOk(call(base, "POST", "/v1/conversations", { type: "direct", member_ids: [peer.id] }, actor.token), "direct conversation");
    const id = str(conv, "conversation", "id");
    if (actor.index === 0) directId = id;
    pools.conversationIds.push(id);
    for (const n of [1, 2])
      await expectOk(call(base, "POST", `/v1/conversations/${id}/messages`, { client_id: `seed-${n}`, body: `seed message ${n}` }, actor.token), "message");
  }
  const group = await expectOk(
    call(base, "POST", "/v1/conversations", { type: "group", name: "fuzz group", member_ids: actors.slice(1, 4).map((a) => a.id) }, a0.token),
    "group",
  );
  pools.conversationIds.push(str(group, "conversation", "id"));
  for (const actor of actors) {
    const file = await expectOk(
      call(base, "POST", "/v1/storage/upload-url", { file_name: "seed.txt", content_type: "text/plain", size_bytes: 4 }, actor.token),
      "upload-url",
    );
    const fileId = str(file, "file_id");
    pools.fileIds.push(fileId);
    if (actor.index % 2 === 0) {
      const headers = field(file, "headers");
      // The dev S3 endpoint exists only in development mode; without it the file stays `uploading`.
      const put = await fetch(str(file, "upload_url"), {
        method: "PUT",
        body: "seed",
        headers: headers !== null && typeof headers === "object" ? (headers as Record<string, string>) : {},
      }).catch(() => undefined);
      await put?.arrayBuffer();
      if (put?.ok === true) await expectOk(call(base, "POST", "/v1/storage/upload-complete", { file_id: fileId }, actor.token), "upload-complete");
    }
    const device = await expectOk(
      call(base, "POST", "/v1/users/me/devices", { platform: "android", push_token: `fuzz-push-${run}-${actor.index}` }, actor.token),
      "device",
    );
    pools.deviceIds.push(str(device, "device_id"));
    const keyDevice = `fuzz-dev-${actor.index}`;
    // One one-time prekey only: the second bundle fetch finds none, so `one_time_prekey` is null.
    await expectOk(
      call(
        base,
        "PUT",
        "/v1/keys",
        {
          device_id: keyDevice,
          identity_key: "ik",
          signed_prekey: { key_id: 1, public_key: "spk", signature: "sig" },
          one_time_prekeys: [{ key_id: 1, public_key: "otk" }],
        },
        actor.token,
      ),
      "keys",
    );
    pools.keyDeviceIds.push(keyDevice);
    const sessions = await expectOk(call(base, "GET", "/v1/auth/sessions", undefined, actor.token), "sessions");
    const list = field(sessions, "sessions");
    if (Array.isArray(list)) for (const s of list) pools.sessionIds.push(str(s, "id"));
    pools.refreshTokens.push(actor.refreshToken);
  }
  const started = await expectOk(call(base, "POST", "/v1/calls/initiate", { conversation_id: directId, type: "video" }, a0.token), "call");
  const callId = str(started, "call", "id");
  await expectOk(call(base, "POST", `/v1/calls/${callId}/join`, undefined, a1.token), "join");
  pools.callIds.push(callId);
  const ringing = await expectOk(
    call(base, "POST", "/v1/calls/initiate", { conversation_id: pools.conversationIds[2] ?? directId, type: "audio" }, (actors[2] ?? a0).token),
    "call 2",
  );
  pools.callIds.push(str(ringing, "call", "id"));
  return { base, actors, pools, direct: { conversationId: directId, callId } };
}
