import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSfuProcess } from "../../lib/local-sfu.mjs";
import { Endpoint, startTestSfu, type SfuApi } from "./endpoint";

let sfu: LocalSfuProcess;
let api: SfuApi;
let secret = "";

beforeAll(async () => {
  ({ sfu, api, secret } = await startTestSfu());
});
afterAll(() => sfu.stop());

async function raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = { authorization: `Bearer ${secret}` }) {
  const res = await fetch(`${sfu.apiBase}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const cloudflareError = { errorCode: expect.any(String), errorDescription: expect.any(String) };

describe("local SFU errors, in Cloudflare's shape", () => {
  it("a wrong or missing app secret, or another app's id, is 401 unauthorized", async () => {
    const app = `/apps/${sfu.appId}/sessions/new`;
    expect(await raw("POST", app, "{}", { authorization: "Bearer wrong" })).toEqual({
      status: 401,
      body: { errorCode: "unauthorized", errorDescription: expect.any(String) },
    });
    expect(await raw("POST", app, "{}", {})).toMatchObject({ status: 401, body: { errorCode: "unauthorized" } });
    expect(await raw("POST", app, "{}", { authorization: `Bearer ${secret}x` })).toMatchObject({ status: 401 });
    expect(await raw("POST", "/apps/another-app/sessions/new", "{}")).toMatchObject({ status: 401, body: { errorCode: "unauthorized" } });
  });

  it("an unknown or malformed session id is 404 session_not_found on every session route", async () => {
    const sid = "f".repeat(32);
    const calls: [string, string, unknown][] = [
      ["POST", `/sessions/${sid}/tracks/new`, { tracks: [{ location: "remote", sessionId: sid, trackName: "x" }] }],
      ["PUT", `/sessions/${sid}/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0\r\n" } }],
      ["PUT", `/sessions/${sid}/tracks/close`, { tracks: [{ mid: "0" }], force: true }],
      ["GET", `/sessions/${sid}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      expect(await api.call(method as "GET" | "POST" | "PUT", path, body), `${method} ${path}`).toEqual({
        status: 404,
        body: { errorCode: "session_not_found", errorDescription: expect.any(String) },
      });
    }
    expect((await raw("PUT", `/apps/${sfu.appId}/sessions/..%2F..%2Fstats/renegotiate`, "{}")).status).toBe(404);
  });

  it("malformed JSON, wrong types, a huge body and a wrong method are refused, never a 500", async () => {
    const alice = new Endpoint(api);
    await alice.open();
    const tracks = `/apps/${sfu.appId}/sessions/${alice.sessionId}/tracks/new`;
    expect(await raw("POST", tracks, "{not json")).toEqual({ status: 400, body: { errorCode: "decoding_error", errorDescription: expect.any(String) } });
    expect(await raw("POST", tracks, JSON.stringify({ tracks: "all" }))).toMatchObject({ status: 400, body: { errorCode: "invalid_request" } });
    expect(await raw("POST", tracks, JSON.stringify({ tracks: [{ location: "remote", trackName: 7 }] }))).toMatchObject({ status: 400, body: cloudflareError });
    expect(await raw("POST", tracks, JSON.stringify({ tracks: [], extra: 1 }))).toMatchObject({ status: 400, body: { errorCode: "invalid_request" } });
    expect(await raw("POST", tracks, JSON.stringify({ tracks: [{ location: "local", trackName: "x" }], padding: "x".repeat(300_000) }))).toMatchObject({
      status: 413,
      body: { errorCode: "request_too_large" },
    });
    expect(await raw("GET", tracks, undefined)).toMatchObject({ status: 405, body: cloudflareError });
    expect(await raw("POST", `/apps/${sfu.appId}/nothing`, "{}")).toMatchObject({ status: 404, body: { errorCode: "not_found" } });
    await alice.close();
  });

  it("malformed SDP is 400 invalid_sdp and leaves the session usable", async () => {
    const alice = new Endpoint(api);
    await alice.open();
    const path = `/sessions/${alice.sessionId}/tracks/new`;
    const local = [{ location: "local", mid: "0", trackName: "mic" }];
    const notSdp = await api.call("POST", path, { sessionDescription: { type: "offer", sdp: "hello" }, tracks: local });
    expect(notSdp).toMatchObject({ status: 400, body: { errorCode: "invalid_sdp" } });
    const broken = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n";
    const unusable = await api.call("POST", path, { sessionDescription: { type: "offer", sdp: broken }, tracks: local });
    expect(unusable).toMatchObject({ status: 400, body: { errorCode: "invalid_sdp" } });
    const wrongType = await api.call("POST", path, { sessionDescription: { type: "answer", sdp: broken }, tracks: local });
    expect(wrongType).toMatchObject({ status: 400, body: cloudflareError });
    const noOffer = await api.call("PUT", `/sessions/${alice.sessionId}/renegotiate`, { sessionDescription: { type: "answer", sdp: broken } });
    expect(noOffer).toMatchObject({ status: 400, body: { errorCode: "invalid_state" } });
    // The same session still publishes a real offer afterwards.
    const { answer } = await alice.publish({ audio: "mic", video: "cam" });
    expect(answer.tracks).toEqual([expect.objectContaining({ trackName: "mic" }), expect.objectContaining({ trackName: "cam" })]);
    await alice.close();
  });

  it("unknown tracks and foreign mids are per-track errors in a 200, next to the tracks that worked", async () => {
    const alice = new Endpoint(api);
    const bob = new Endpoint(api);
    await alice.open();
    await bob.open();
    await alice.publish({ audio: "mic", video: "cam" });
    const pulled = await bob.pull([
      { sessionId: alice.sessionId, trackName: "cam" },
      { sessionId: alice.sessionId, trackName: "no-such-track" },
      { sessionId: "0".repeat(32), trackName: "cam" },
    ]);
    expect(pulled).toMatchObject({
      requiresImmediateRenegotiation: true,
      tracks: [
        { trackName: "cam", mid: expect.any(String) },
        { trackName: "no-such-track", errorCode: "not_found_track_error", errorDescription: expect.any(String) },
        { trackName: "cam", errorCode: "not_found_track_error" },
      ],
    });
    const nothing = await bob.api.call("POST", `/sessions/${bob.sessionId}/tracks/new`, {
      tracks: [{ location: "remote", sessionId: alice.sessionId, trackName: "gone" }],
    });
    expect(nothing).toMatchObject({ status: 200, body: { requiresImmediateRenegotiation: false, tracks: [{ errorCode: "not_found_track_error" }] } });
    expect(nothing.body.sessionDescription).toBeUndefined();
    const closed = await bob.api.call("PUT", `/sessions/${bob.sessionId}/tracks/close`, {
      tracks: [{ mid: pulled.tracks?.[0]?.mid ?? "" }, { mid: "99" }],
      force: true,
    });
    expect(closed).toMatchObject({
      status: 200,
      body: { requiresImmediateRenegotiation: false, tracks: [{ mid: expect.any(String) }, { mid: "99", errorCode: "close_track_error" }] },
    });
    expect(closed.body.tracks?.[0]?.errorCode).toBeUndefined();
    const state = await bob.api.call("GET", `/sessions/${bob.sessionId}`);
    expect(state).toMatchObject({ status: 200 });
    await alice.close();
    await bob.close();
  });

  it("POST /test/drop-session refuses what is not a JSON body naming one session, and drops the one it names", async () => {
    const drop = (body: string, headers: Record<string, string> = { "content-type": "application/json" }, method = "POST") =>
      fetch(`${sfu.url}/test/drop-session`, { method, headers, body: method === "GET" ? undefined : body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));
    expect(await drop("{}", {}, "GET")).toMatchObject({ status: 405, body: cloudflareError });
    // A page elsewhere could only send a "simple" content type without a CORS preflight: refused.
    expect(await drop(JSON.stringify({ port: 1 }), { "content-type": "text/plain" })).toMatchObject({ status: 415, body: cloudflareError });
    expect(await drop("{not json")).toMatchObject({ status: 400, body: { errorCode: "decoding_error" } });
    expect(await drop(JSON.stringify({ port: "x" }))).toMatchObject({ status: 400, body: { errorCode: "invalid_request" } });
    expect(await drop(JSON.stringify({ port: 1, session_id: "a" }))).toMatchObject({ status: 400, body: { errorCode: "invalid_request" } });
    expect(await drop(JSON.stringify({ session_id: "f".repeat(32) }))).toMatchObject({ status: 404, body: { errorCode: "session_not_found" } });
    const alice = new Endpoint(api);
    await alice.open();
    expect(await drop(JSON.stringify({ session_id: alice.sessionId }))).toEqual({ status: 200, body: { dropped: alice.sessionId } });
    expect((await api.call("GET", `/sessions/${alice.sessionId}`)).status).toBe(404);
    await alice.close();
  });
});
