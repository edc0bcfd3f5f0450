import { afterAll, beforeAll, describe, it } from "vitest";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, conversationOf, initiate } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

const forged = { Authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Content-Type": "application/json" };

describe("hostile requests on every calls route", () => {
  it("refuses missing and forged tokens everywhere with 401", async ({ expect }) => {
    const routes: [string, string][] = [
      ["POST", "/v1/calls/initiate"],
      ["GET", "/v1/calls/ice-servers"],
      ["GET", "/v1/calls?conversation_id=x"],
      ["GET", "/v1/calls/abc"],
      ...["join", "decline", "leave", "end"].map((a): [string, string] => ["POST", `/v1/calls/abc/${a}`]),
      ["POST", "/v1/calls/abc/sfu/sessions"],
      ["POST", "/v1/calls/abc/sfu/sessions/s1/tracks"],
      ["PUT", "/v1/calls/abc/sfu/sessions/s1/renegotiate"],
      ["PUT", "/v1/calls/abc/sfu/sessions/s1/tracks/close"],
    ];
    for (const [method, path] of routes) {
      const body = method === "GET" ? undefined : {};
      const anonymous = await api(null, method, path, body);
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(anonymous.body.error?.code).toBe("UNAUTHORIZED");
      expect((await api({ headers: forged }, method, path, body)).status, `${method} ${path} forged`).toBe(401);
    }
  });

  it("validates initiate bodies: malformed JSON, wrong types, unknown fields, oversize", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice] = users;
    if (!alice) throw new Error("users");
    expect((await api(alice, "POST", "/v1/calls/initiate", undefined, "{not json")).body.error?.code).toBe("BAD_REQUEST");
    const bad: unknown[] = [
      [],
      "call me",
      {},
      { conversation_id: conversationId },
      { conversation_id: conversationId, type: "hologram" },
      { conversation_id: 42, type: "audio" },
      { conversation_id: "x".repeat(65), type: "audio" },
      { conversation_id: conversationId, type: "audio", initiator_id: "someone-else" },
      { conversation_id: conversationId, type: "audio", ring_timeout_seconds: 1e9 },
    ];
    for (const body of bad) {
      const res = await api(alice, "POST", "/v1/calls/initiate", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.code).toBe("VALIDATION_ERROR");
    }
    const named = await api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "hologram" });
    expect(named.body.error).toMatchObject({ details: [expect.objectContaining({ field: "type" })] });
    const huge = await api(
      alice,
      "POST",
      "/v1/calls/initiate",
      undefined,
      JSON.stringify({ conversation_id: conversationId, type: "audio", pad: "x".repeat(2 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect((await api(alice, "POST", "/v1/calls/initiate", { conversation_id: "no-such-conversation", type: "audio" })).status).toBe(404);
  });

  it("validates ids and queries, and hides other people's calls", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    const outsider = (await conversationOf(2)).users[0];
    if (!alice || !bob || !outsider) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    for (const badId of ["x".repeat(65), "a%20b", "line:abc", "..%2F..%2Fetc"]) {
      expect((await api(alice, "GET", `/v1/calls/${badId}`)).status, badId).toBe(400);
      expect((await api(alice, "POST", `/v1/calls/${badId}/join`)).status, badId).toBe(400);
    }
    for (const action of ["join", "decline", "leave", "end"]) {
      expect((await api(outsider, "POST", `/v1/calls/${id}/${action}`)).status, action).toBe(404);
      expect((await api(alice, "POST", `/v1/calls/01a20000-0000-7000-8000-000000000000/${action}`)).status, action).toBe(404);
    }
    expect((await api(outsider, "GET", `/v1/calls/${id}`)).status).toBe(404);
    for (const query of [
      "",
      "?conversation_id=",
      `?conversation_id=${conversationId}&limit=0`,
      `?conversation_id=${conversationId}&limit=101`,
      `?conversation_id=${conversationId}&limit=ten`,
      `?conversation_id=${conversationId}&before=yesterday`,
    ]) {
      const res = await api(alice, "GET", `/v1/calls${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error?.code).toBe("VALIDATION_ERROR");
    }
    // Leaving a call you never joined, or joining twice in a row, does not corrupt anything.
    expect((await api(bob, "POST", `/v1/calls/${id}/leave`)).status).toBe(403);
    const [first, second] = await Promise.all([api(bob, "POST", `/v1/calls/${id}/join`), api(bob, "POST", `/v1/calls/${id}/join`)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const logged = await api(alice, "GET", `/v1/calls/${id}`);
    expect((logged.body.call as { participants: unknown[] }).participants).toHaveLength(2);
    const history = await api(alice, "GET", `/v1/calls?conversation_id=${conversationId}&limit=1`);
    expect(history.body).toMatchObject({ calls: [expect.objectContaining({ id })], has_more: false });
  });

  it("validates SFU bodies before anything reaches Cloudflare", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const { id } = await initiate(alice, conversationId, { type: "video" });
    await api(bob, "POST", `/v1/calls/${id}/join`);
    const sid = String((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    const sent = fakes.sfu.requests.length;
    const base = `/v1/calls/${id}/sfu/sessions`;
    const cases: [string, string, unknown][] = [
      ["POST", base, { sessionDescription: { type: "pranswer", sdp: "v=0" } }],
      ["POST", base, { sessionDescription: { type: "offer", sdp: "x".repeat(64 * 1024 + 1) } }],
      ["POST", base, { appSecret: "let me in" }],
      ["POST", `${base}/${sid}/tracks`, { tracks: [] }],
      ["POST", `${base}/${sid}/tracks`, { tracks: Array.from({ length: 65 }, (_, i) => ({ location: "local", trackName: `t${i}` })) }],
      ["POST", `${base}/${sid}/tracks`, { tracks: [{ location: "remote", trackName: "mic" }] }],
      ["POST", `${base}/${sid}/tracks`, { tracks: [{ location: "local", trackName: "mic", sessionId: sid }] }],
      ["POST", `${base}/${sid}/tracks`, { tracks: [{ location: "sideways", trackName: "mic" }] }],
      ["PUT", `${base}/${sid}/renegotiate`, {}],
      ["PUT", `${base}/${sid}/tracks/close`, { tracks: [{ mid: "0" }] }],
      ["PUT", `${base}/${sid}/tracks/close`, { tracks: [], force: true }],
      ["PUT", `${base}/bad%20session/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api(alice, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
    }
    expect((await api(alice, "POST", base, undefined, "{")).body.error?.code).toBe("BAD_REQUEST");
    expect(fakes.sfu.requests.length).toBe(sent);
  });
});
