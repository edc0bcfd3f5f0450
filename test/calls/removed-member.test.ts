import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CallsService } from "../../workers/calls/src/index";
import { createUser } from "../helpers/auth";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, connect, conversationOf, initiate, signaling } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** A running group call that bob joined (and opened an SFU session in) before the owner removed him. */
async function callWithRemovedMember() {
  const { users, conversationId } = await conversationOf(3);
  const [alice, bob, carol] = users;
  if (!alice || !bob || !carol) throw new Error("users");
  const { id } = await initiate(alice, conversationId, { type: "video" });
  expect200(await api(bob, "POST", `/v1/calls/${id}/join`));
  expect200(await api(carol, "POST", `/v1/calls/${id}/join`));
  const bobSession = await api(bob, "POST", `/v1/calls/${id}/sfu/sessions`, {});
  if (bobSession.status !== 201) throw new Error(`bob's SFU session: ${bobSession.status}`);
  const bobSid = String(bobSession.body.sessionId);
  // Before the removal bob sees the call: so every 404 below comes from the removal.
  expect200(await api(bob, "GET", `/v1/calls/${id}`));
  const removed = await api(alice, "DELETE", `/v1/conversations/${conversationId}/members/${bob.user.id}`);
  if (removed.status !== 204 && removed.status !== 200) throw new Error(`remove bob: ${removed.status} ${JSON.stringify(removed.body)}`);
  return { alice, bob, carol, id, bobSid };
}

function expect200(answer: { status: number; body: unknown }): void {
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status} ${JSON.stringify(answer.body)}`);
}

describe("a member removed from the group during its call", () => {
  it("can no longer read the call or join it again: 404 NOT_FOUND, while the others still can", async ({ expect }) => {
    const { bob, carol, id } = await callWithRemovedMember();
    const get = await api(bob, "GET", `/v1/calls/${id}`);
    expect(get.status).toBe(404);
    expect(get.body.error?.code).toBe("NOT_FOUND");
    expect(JSON.stringify(get.body)).not.toContain(carol.user.id);
    const join = await api(bob, "POST", `/v1/calls/${id}/join`);
    expect(join.status).toBe(404);
    expect(join.body.error?.code).toBe("NOT_FOUND");
    // Ending the call for everybody needs current membership too; leaving only takes him out.
    expect((await api(bob, "POST", `/v1/calls/${id}/end`)).status).toBe(404);
    const stillThere = await api(carol, "GET", `/v1/calls/${id}`);
    expect(stillThere.status).toBe(200);
    expect(stillThere.body.call).toMatchObject({ id, status: "active" });
  });

  it("gets 404 on the signaling upgrade, where the remaining participants still connect", async ({ expect }) => {
    const { bob, carol, id } = await callWithRemovedMember();
    const refused = await connect(`/v1/ws/signaling?call_id=${id}`, bob);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const socket = await signaling(carol, id);
    expect((await socket.next("call_state")).status).toBe("active");
    socket.close();
  });

  it("gets 404 on every SFU route, even for the session he created while he was a member", async ({ expect }) => {
    const { bob, id, bobSid } = await callWithRemovedMember();
    const before = fakes.sfu.requests.length;
    const answers = [
      await api(bob, "POST", `/v1/calls/${id}/sfu/sessions`, {}),
      await api(bob, "POST", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks`, { tracks: [{ location: "local", trackName: "cam" }] }),
      await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${bobSid}/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } }),
      await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks/close`, { tracks: [{ mid: "0" }], force: true }),
    ];
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect(answers.map((a) => a.body.error?.code)).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
    // Nothing reached Cloudflare on his behalf.
    expect(fakes.sfu.requests.length).toBe(before);
  });

  it("gets 404, not the configuration's 503, from an unconfigured SFU; so does an outsider", async ({ expect }) => {
    const { alice, bob, id } = await callWithRemovedMember();
    const outsider = await createUser();
    const unconfigured = new CallsService(createExecutionContext(), { ...env, REALTIME_APP_ID: "" });
    for (const userId of [bob.user.id, outsider.user.id]) {
      const answer = await unconfigured.sfu({ requestId: "t", userId }, { action: "new_session", callId: id, body: {} });
      expect(answer).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    // The control: a participant still learns the deployment lacks the SFU.
    const participant = await unconfigured.sfu({ requestId: "t", userId: alice.user.id }, { action: "new_session", callId: id, body: {} });
    expect(participant).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
  });
});
