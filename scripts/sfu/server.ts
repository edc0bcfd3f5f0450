import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type * as z from "zod";
import { sfuCloseTracksBodySchema, sfuNewSessionBodySchema, sfuNewTracksBodySchema, sfuRenegotiateBodySchema } from "../../lib/contracts/calls";
import type { LocalSfu } from "./local-sfu";
import { dropSessionBodySchema, failure, type Reply } from "./shapes";

export interface SfuServerOptions {
  appId: string;
  appSecret: string;
}

/** Larger than any body our proxy forwards (64 KiB SDP), small enough that a flood cannot hold memory. */
const MAX_BODY_BYTES = 256 * 1024;
const SESSION_ROUTE = /^\/v1\/apps\/([^/]+)\/sessions\/([A-Za-z0-9_-]{1,128})(\/tracks\/new|\/tracks\/close|\/renegotiate)?$/;
const NEW_SESSION_ROUTE = /^\/v1\/apps\/([^/]+)\/sessions\/new$/;

type Body = { ok: true; value: unknown } | { ok: false; reply: Reply };

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, reply: failure(413, "request_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes`) };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { ok: true, value: {} }; // Cloudflare takes sessions/new with no body
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reply: failure(400, "decoding_error", "The request body is not JSON") };
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; reply: Reply } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return { ok: false, reply: failure(400, "invalid_request", `${where}${issue?.message ?? "invalid body"}`) };
}

function secretMatches(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function route(sfu: LocalSfu, options: SfuServerOptions, req: IncomingMessage): Promise<Reply> {
  const path = new URL(req.url ?? "/", "http://local").pathname;
  const method = req.method ?? "GET";
  if (path === "/stats" && method === "GET") return { status: 200, body: sfu.stats() };
  if (path === "/test/drop-session") return dropSession(sfu, req);
  const newSession = NEW_SESSION_ROUTE.exec(path);
  const sessionRoute = newSession ? null : SESSION_ROUTE.exec(path);
  if (!newSession && !sessionRoute) return failure(404, "not_found", "No such route");
  if (!secretMatches(req.headers.authorization, options.appSecret)) return failure(401, "unauthorized", "The app secret was not accepted");
  if ((newSession ?? sessionRoute)?.[1] !== options.appId) return failure(401, "unauthorized", "The app secret was not accepted for this app");

  const sessionId = sessionRoute?.[2] ?? "";
  const operation = newSession ? "new" : (sessionRoute?.[3] ?? "");
  const expected = operation === "" ? "GET" : operation === "new" || operation === "/tracks/new" ? "POST" : "PUT";
  if (method !== expected) return failure(405, "method_not_allowed", `Use ${expected} here`);
  if (operation === "") return sfu.sessionState(sessionId);

  const body = await readJson(req);
  if (!body.ok) return body.reply;
  switch (operation) {
    case "new": {
      const input = parsed(sfuNewSessionBodySchema, body.value);
      return input.ok ? sfu.newSession(input.value) : input.reply;
    }
    case "/tracks/new": {
      const input = parsed(sfuNewTracksBodySchema, body.value);
      return input.ok ? sfu.newTracks(sessionId, input.value) : input.reply;
    }
    case "/renegotiate": {
      const input = parsed(sfuRenegotiateBodySchema, body.value);
      return input.ok ? sfu.renegotiate(sessionId, input.value) : input.reply;
    }
    default: {
      const input = parsed(sfuCloseTracksBodySchema, body.value);
      return input.ok ? sfu.closeTracks(sessionId, input.value) : input.reply;
    }
  }
}

/**
 * Ours, unauthenticated like /stats (the SFU only listens on loopback, in development and tests),
 * but JSON only: a web page cannot send that cross-origin without a CORS preflight, which this
 * server never grants.
 */
async function dropSession(sfu: LocalSfu, req: IncomingMessage): Promise<Reply> {
  if (req.method !== "POST") return failure(405, "method_not_allowed", "Use POST here");
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return failure(415, "unsupported_media_type", "Send application/json");
  const body = await readJson(req);
  if (!body.ok) return body.reply;
  const input = parsed(dropSessionBodySchema, body.value);
  return input.ok ? sfu.dropSession(input.value) : input.reply;
}

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The HTTP face of the SFU: Cloudflare's paths under /v1/apps/{appId}, bearer auth with the app secret, and our own GET /stats. */
export function sfuServer(sfu: LocalSfu, options: SfuServerOptions): Server {
  return createServer((req, res) => {
    route(sfu, options, req).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        console.error("[local-sfu] request failed:", err);
        send(res, failure(500, "internal_error", "The local SFU failed on this request"));
      },
    );
  });
}
