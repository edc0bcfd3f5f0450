// The public API as a benchmark client uses it: accounts, a group conversation, chat sockets.
// Every call goes through the real gateway; nothing here reaches around it.
import { randomBytes } from "node:crypto";
import WebSocket from "ws";

export const PASSWORD = "bench-password-1";
export const GROUP_MEMBER_BATCH = 100; // addMembersSchema / member_ids allow at most 100 per call

/** A distinct client address per index (in `network`.0.0.0/8, 65,536 per salt), so per-IP limits count each simulated client separately. */
export function clientIp(index, salt = 0, network = 10) {
  const n = index + salt * 65_536;
  return `${network}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export const throttled = { count: 0 };

/** One JSON request; 429 is retried after Retry-After (and counted) so setup never silently fails. */
export async function api(base, method, path, { token, body, ip } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (ip) headers["cf-connecting-ip"] = ip;
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status === 429 && attempt < 5) {
      throttled.count++;
      const wait = Number(res.headers.get("retry-after") ?? "1");
      await new Promise((r) => setTimeout(r, Math.min(wait, 61) * 1000));
      continue;
    }
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json };
  }
}

export function expectStatus(res, expected, what) {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
  return res.json;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Registers `count` users; each gets its own client address. */
export async function registerUsers(base, count, { concurrency = 8, label = "u" } = {}) {
  const run = randomBytes(4).toString("hex");
  const salt = parseInt(run.slice(0, 2), 16);
  return pool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const email = `bench-${run}-${label}${i}@bench.example`;
      const ip = clientIp(i, salt);
      const res = await api(base, "POST", "/v1/auth/register", {
        ip,
        body: { email, username: `b${run}${label}${i}`, password: PASSWORD, display_name: `Bench ${i}` },
      });
      const json = expectStatus(res, 201, "register");
      // device_id: the device this session is bound to (issue 18); absent before that landed.
      return { id: json.user.id, email, ip, accessToken: json.access_token, refreshToken: json.refresh_token, deviceId: json.device_id ?? null };
    },
  );
}

/**
 * A group with every given user: created with the first batch, then members added 100 at a time.
 * `encryption: "mls"` makes it an encrypted conversation; without it the request names no encryption
 * (the server's default, `none`).
 */
export async function createGroup(base, owner, others, { encryption } = {}) {
  const first = others.slice(0, GROUP_MEMBER_BATCH - 1);
  const res = await api(base, "POST", "/v1/conversations", {
    token: owner.accessToken,
    ip: owner.ip,
    body: { type: "group", name: "bench", member_ids: first.map((u) => u.id), ...(encryption ? { encryption } : {}) },
  });
  const conversation = expectStatus(res, 201, "create conversation").conversation;
  if (encryption && conversation.encryption !== encryption) throw new Error(`create conversation: asked for ${encryption}, got ${conversation.encryption}`);
  for (let i = first.length; i < others.length; i += GROUP_MEMBER_BATCH) {
    const batch = others.slice(i, i + GROUP_MEMBER_BATCH);
    const add = await api(base, "POST", `/v1/conversations/${conversation.id}/members`, {
      token: owner.accessToken,
      ip: owner.ip,
      body: { user_ids: batch.map((u) => u.id) },
    });
    expectStatus(add, [200, 201, 204], "add members");
  }
  return conversation.id;
}

export function wsUrl(base, path) {
  return base.replace(/^http/, "ws") + path;
}

/** Opens a socket and resolves once `isReady(firstFrames)` says so (or on open when not given). */
export function openSocket(url, { isReady, headers } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: true });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`socket ${url} not ready in 30 s`));
    }, 30_000);
    const done = () => {
      clearTimeout(timer);
      ws.off("message", onMessage);
      resolve(ws);
    };
    const onMessage = (data) => {
      if (isReady && isReady(data.toString())) done();
    };
    ws.on("message", onMessage);
    ws.once("open", () => {
      if (!isReady) done();
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => reject(new Error(`upgrade refused: HTTP ${res.statusCode} ${text.slice(0, 200)}`)));
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** A member's chat socket: a single-use ticket, then the upgrade; resolved at the `ready` frame. */
export async function openChatSocket(base, user, conversationId, { batch = false } = {}) {
  const ticket = expectStatus(await api(base, "POST", "/v1/ws/ticket", { token: user.accessToken, ip: user.ip }), 201, "ws ticket").ticket;
  const url = wsUrl(base, `/v1/ws/chat?conversation_id=${encodeURIComponent(conversationId)}&ticket=${encodeURIComponent(ticket)}${batch ? "&batch=1" : ""}`);
  return openSocket(url, { isReady: (text) => text.startsWith('{"type":"ready"'), headers: { "cf-connecting-ip": user.ip } });
}
