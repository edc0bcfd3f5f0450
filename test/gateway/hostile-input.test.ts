import { exports } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { conversationOf, initiate, signaling, api as callsApi } from "../calls/helpers";
import { connect, createGroup, json, sendRest } from "../chat/chat-client";
import { BASE, createUser, uniqueIp, type TestUser } from "../helpers/auth";

/**
 * Hostile input at the gateway, as an attacker's run sends it: every answer is the error envelope
 * with a 4xx (never 500), and nothing is stored.
 */
type Envelope = { error: { code: string; message: string; request_id: string; details?: { field?: string; message: string }[] } };
type Operation = { requestBody?: unknown; security?: unknown[] };
type Doc = { paths: Record<string, Record<string, Operation>> };

let user: TestUser;
beforeAll(async () => {
  user = await createUser();
});

function send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { ...init, headers: { "cf-connecting-ip": uniqueIp(), ...init.headers } });
}

/** A frame the test waits for: a missing one fails in seconds, not at the suite's timeout. */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms))]);
}

async function expectError(res: Response, status: number, code: string): Promise<Envelope> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status} ${code}, got ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as Envelope;
  if (body.error.code !== code) throw new Error(`expected ${code}, got ${text.slice(0, 300)}`);
  if (body.error.request_id !== res.headers.get("x-request-id")) throw new Error("the envelope's request id is not the response's");
  return body;
}

/** Every operation of /openapi.json that takes a request body, with its path params filled in. */
async function bodyRoutes(): Promise<{ method: string; path: string; authed: boolean }[]> {
  const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<Doc>();
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([, op]) => op.requestBody !== undefined)
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path
          .replace(/\{seq\}/g, "1")
          .replace(/\{emoji\}/g, encodeURIComponent("👍"))
          .replace(/\{[a-z_]+\}/g, "x1"),
        authed: (op.security?.length ?? 0) > 0,
      })),
  );
}

describe("a JSON route sent another content type is 415 UNSUPPORTED_MEDIA_TYPE (it was a 500)", () => {
  const wrongTypes: { name: string; contentType?: string; body: string }[] = [
    { name: "no Content-Type", body: '{"a":1}' },
    { name: "text/plain (no CORS preflight: any web page can send it)", contentType: "text/plain", body: '{"a":1}' },
    { name: "a form", contentType: "application/x-www-form-urlencoded", body: "a=1" },
    { name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--" },
    { name: "JSON in another charset", contentType: "application/json; charset=iso-8859-1", body: '{"a":1}' },
  ];

  it("on every body route in /openapi.json, authenticated or not", async ({ expect }) => {
    const routes = await bodyRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(23);
    const wrong: string[] = [];
    for (const route of routes) {
      for (const { name, contentType, body } of wrongTypes) {
        const headers: Record<string, string> = {};
        if (route.authed) headers.Authorization = user.headers.Authorization;
        if (contentType) headers["Content-Type"] = contentType;
        const res = await send(route.path, { method: route.method, headers, body });
        const text = await res.text();
        if (res.status !== 415 || !text.includes('"UNSUPPORTED_MEDIA_TYPE"'))
          wrong.push(`${route.method} ${route.path} (${name}): ${res.status} ${text.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("application/json with parameters and application/*+json are JSON", async ({ expect }) => {
    for (const contentType of ["application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON", "application/merge-patch+json"]) {
      const res = await send("/v1/users/me", {
        method: "PATCH",
        headers: { ...user.headers, "Content-Type": contentType },
        body: JSON.stringify({ display_name: "Json Parameters" }),
      });
      expect(res.status, contentType).toBe(200);
    }
  });
});

describe("malformed Unicode is refused, never stored as U+FFFD", () => {
  it("REST send: a lone surrogate is 400 VALIDATION_ERROR naming the field, invalid UTF-8 is 400 BAD_REQUEST; nothing is stored", async ({ expect }) => {
    const peer = await createUser();
    const conversation = await createGroup(user, [peer]);
    const path = `/v1/conversations/${conversation.id}/messages`;
    const loneSurrogate = await send(path, { method: "POST", headers: user.headers, body: '{"client_id":"lone-1","body":"a\\ud800b"}' });
    const refused = await expectError(loneSurrogate, 400, "VALIDATION_ERROR");
    expect(refused.error.details).toEqual([expect.objectContaining({ field: "body" })]);
    const lowAlone = await send("/v1/messages", {
      method: "POST",
      headers: user.headers,
      body: JSON.stringify({ conversation_id: conversation.id, client_id: "lone-2", body: "x\udc00" }),
    });
    await expectError(lowAlone, 400, "VALIDATION_ERROR");

    const bytes = new Uint8Array([...new TextEncoder().encode('{"client_id":"bytes-1","body":"a'), 0xff, 0xfe, ...new TextEncoder().encode('b"}')]);
    await expectError(await send(path, { method: "POST", headers: user.headers, body: bytes }), 400, "BAD_REQUEST");
    const encodedSurrogate = new Uint8Array([
      ...new TextEncoder().encode('{"client_id":"bytes-2","body":"a'),
      0xed,
      0xa0,
      0x80,
      ...new TextEncoder().encode('b"}'),
    ]);
    await expectError(await send(path, { method: "POST", headers: user.headers, body: encodedSurrogate }), 400, "BAD_REQUEST");

    // A well-formed pair (an emoji written as escapes) is fine, and comes back exactly as sent.
    const pair = await send(path, { method: "POST", headers: user.headers, body: '{"client_id":"pair-1","body":"a\\ud83d\\ude00b"}' });
    expect(pair.status).toBe(201);
    const history = await json<{ messages: MessageView[] }>(await send(path, { headers: user.headers }), 200);
    expect(history.messages.map((m) => m.body)).toEqual(["a😀b"]);
  });

  it("JSON nested 100,000 deep is a 400, not a 500 (the Unicode check walks it without recursion), in bodies and frames", async ({ expect }) => {
    const deep = `${"[".repeat(100_000)}"a\\ud800"${"]".repeat(100_000)}`;
    for (const [method, path] of [
      ["POST", "/v1/auth/forgot-password"],
      ["PUT", "/v1/keys"],
      ["POST", "/v1/conversations"],
    ] as const) {
      const res = await send(path, { method, headers: user.headers, body: deep });
      expect(res.status, path).toBe(400);
      expect((await res.json<Envelope>()).error.code).toBe("VALIDATION_ERROR");
    }
    const wellFormed = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    await expectError(await send("/v1/keys", { method: "PUT", headers: user.headers, body: wellFormed }), 400, "VALIDATION_ERROR");

    const peer = await createUser();
    const conversation = await createGroup(user, [peer]);
    const { socket } = await connect(user, conversation.id);
    socket.send(`${"[".repeat(30_000)}${"]".repeat(30_000)}`);
    expect((await within(socket.next("error"), "error frame")).code).toBe("VALIDATION_ERROR");
    await socket.end();
  });

  it("a query parameter that does not percent-decode to UTF-8 is 400 VALIDATION_ERROR naming it", async ({ expect }) => {
    for (const q of ["%FF", "%ED%A0%80", "ab%C3"]) {
      const body = await expectError(await send(`/v1/users?q=${q}`, { headers: user.headers }), 400, "VALIDATION_ERROR");
      expect(body.error.details).toEqual([expect.objectContaining({ field: "q" })]);
    }
    expect((await send(`/v1/users?q=${encodeURIComponent("é")}`, { headers: user.headers })).status).toBe(200);
  });

  it("a path parameter that does not percent-decode to UTF-8 is 400 VALIDATION_ERROR naming it", async ({ expect }) => {
    const body = await expectError(await send("/v1/users/%FF%FE", { headers: user.headers }), 400, "VALIDATION_ERROR");
    expect(body.error.details).toEqual([expect.objectContaining({ field: "user_id" })]);
    await expectError(await send("/v1/storage/download-url/%ED%B0%80", { headers: user.headers }), 400, "VALIDATION_ERROR");
  });

  it("a chat socket frame with a lone surrogate gets an error frame, stores nothing, and the socket stays open", async ({ expect }) => {
    const peer = await createUser();
    const conversation = await createGroup(user, [peer]);
    const { socket } = await connect(user, conversation.id);
    socket.send('{"type":"send","client_id":"ws-lone","body":"a\\ud800b"}');
    const error = await within(socket.next("error"), "error frame");
    expect(error.code).toBe("VALIDATION_ERROR");
    socket.send({ type: "send", client_id: "ws-ok", body: "fine" });
    const ack = await within(socket.next("ack"), "ack");
    expect(ack.client_id).toBe("ws-ok");
    const history = await json<{ messages: MessageView[] }>(await send(`/v1/conversations/${conversation.id}/messages`, { headers: user.headers }), 200);
    expect(history.messages.map((m) => m.client_id)).toEqual(["ws-ok"]);
    await socket.end();
  });

  it("a signaling frame with a lone surrogate gets an error frame, is not relayed, and the socket stays open", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    expect((await callsApi(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    const aliceSig = await signaling(alice, id);
    const bobSig = await signaling(bob, id);
    await aliceSig.next("call_state");
    await bobSig.next("call_state");

    aliceSig.send(`{"type":"offer","to_user_id":"${bob.user.id}","payload":{"sdp":"v=0\\udfff"}}`);
    const error = await within(aliceSig.next("error"), "error frame");
    expect(error.code).toBe("VALIDATION_ERROR");
    aliceSig.send({ type: "offer", to_user_id: bob.user.id, payload: { sdp: "v=0 fine" } });
    const relayed = await within(bobSig.next("offer"), "relayed offer");
    expect(relayed.payload).toEqual({ sdp: "v=0 fine" });
    expect(relayed.from_user_id).toBe(alice.user.id);
    aliceSig.close();
    bobSig.close();
    await Promise.all([aliceSig.whenClosed(), bobSig.whenClosed()]);
  });
});

describe("numeric parameters are decimal digits only", () => {
  const spellings = ["0x10", "1e3", "%2016", "%2B16", "16.0", "-1", "", "１６"];

  it("limit, before_seq, after_seq and seq: 0x10, 1e3, ' 16', '+16', '16.0', '-1' are 400 VALIDATION_ERROR; '16' is fine", async ({ expect }) => {
    const peer = await createUser();
    const conversation = await createGroup(user, [peer]);
    await sendRest(user, conversation.id, { client_id: "n1", body: "one" });
    const messages = `/v1/conversations/${conversation.id}/messages`;
    const urls = (x: string) => [
      `/v1/conversations?limit=${x}`,
      `/v1/users?q=a&limit=${x}`,
      `/v1/storage/files?limit=${x}`,
      `/v1/calls?conversation_id=${conversation.id}&limit=${x}`,
      `${messages}?limit=${x}`,
      `${messages}?before_seq=${x}`,
      `${messages}?after_seq=${x}`,
      `/v1/messages?conversation_id=${conversation.id}&limit=${x}`,
    ];
    const accepted: string[] = [];
    for (const spelling of spellings) {
      for (const url of urls(encodeURI(spelling).replace(/%25/g, "%"))) {
        const res = await send(url, { headers: user.headers });
        const text = await res.text();
        if (res.status !== 400 || !text.includes('"VALIDATION_ERROR"')) accepted.push(`${url}: ${res.status}`);
      }
      const del = await send(`${messages}/${encodeURI(spelling).replace(/%25/g, "%")}`, { method: "DELETE", headers: user.headers });
      if (del.status !== 400 && spelling !== "") accepted.push(`DELETE ${messages}/${spelling}: ${del.status}`);
    }
    expect(accepted).toEqual([]);
    for (const url of urls("16")) expect((await send(url, { headers: user.headers })).status, url).toBe(200);
  });

  it("since_seq on the chat socket", async () => {
    const peer = await createUser();
    const conversation = await createGroup(user, [peer]);
    for (const spelling of ["0x10", "1e3", "%2B16", "16.0", "-1"]) {
      const res = await send(`/v1/ws/chat?conversation_id=${conversation.id}&since_seq=${spelling}`, {
        headers: { Upgrade: "websocket", Authorization: user.headers.Authorization },
      });
      await expectError(res, 400, "VALIDATION_ERROR");
    }
  });
});
