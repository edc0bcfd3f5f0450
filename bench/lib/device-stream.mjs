// The device event stream (`GET /v1/ws/events`, issue 18) as a benchmark client opens it: a ticket (as
// browsers do) or a bearer header (one request less, as native clients may), optional `since`.
// The frame callback is attached before the upgrade: the server sends `hello`, the replay and the
// mailbox in one turn, so they can arrive in one TCP read and a listener added after `hello` would miss them.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { api, expectStatus, wsUrl } from "./api.mjs";

/**
 * Resolves at the `hello` frame with `{ ws, hello, startedAt, helloAt, payloadBytes }` (payloadBytes keeps
 * counting every frame's payload). `onFrame(data, now)` sees every frame, `hello` included.
 */
export async function openDeviceStream(base, user, { since, bearer = false, onFrame } = {}) {
  const query = new URLSearchParams();
  const headers = { "cf-connecting-ip": user.ip };
  if (bearer) headers.authorization = `Bearer ${user.accessToken}`;
  else query.set("ticket", expectStatus(await api(base, "POST", "/v1/ws/ticket", { token: user.accessToken, ip: user.ip }), 201, "ws ticket").ticket);
  if (since !== undefined) query.set("since", String(since));
  const qs = query.toString();
  const url = wsUrl(base, `/v1/ws/events${qs ? `?${qs}` : ""}`);
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: true });
    const stream = { ws, hello: null, startedAt, helloAt: 0, payloadBytes: 0 };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("device stream: no hello frame in 30 s"));
    }, 30_000);
    ws.on("message", (data) => {
      const now = performance.now();
      stream.payloadBytes += data.length;
      if (!stream.hello && data.toString("latin1", 0, 15) === '{"type":"hello"') {
        stream.hello = JSON.parse(data.toString());
        stream.helloAt = now;
        clearTimeout(timer);
        resolve(stream);
      }
      onFrame?.(data, now);
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => reject(new Error(`device stream upgrade refused: HTTP ${res.statusCode} ${text.slice(0, 200)}`)));
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What the client read on the socket's TCP connection so far: the 101 response and every frame with its header. */
export function wireBytes(ws) {
  return ws._socket?.bytesRead ?? NaN;
}

/** A clean close (the device room sees it at once and reports the device offline), bounded. */
export function closeStream(ws) {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(undefined);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(undefined);
    }, 3000);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    ws.close(1000, "bench");
  });
}

/** CPU seconds (user + system) of a process so far, from /proc (Linux); NaN when unreadable. */
export function processCpuSeconds(pid) {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th; clock ticks are 100/s on Linux.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
