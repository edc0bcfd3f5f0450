import { describe, it } from "vitest";
import { ApiError } from "../src/index";
import { MLS_APPLICATION, MLS_COMMIT } from "../src/e2ee/conversation-group";
import { bodies, joinFromMailbox, read, ready } from "./helpers/e2ee";
import { signedUpClient } from "./helpers/users";
import { until } from "./helpers/wait";

/**
 * A member who leaves an encrypted group by themselves (the app's "Leave group": the plain membership
 * call), against the real stack. Their device cannot commit its own removal; the others' clients do,
 * as soon as their device stream tells them the members changed, so what they send next is closed to
 * every leaf of the leaver.
 */

describe("a member leaves an encrypted group", () => {
  it("Carol leaves: Alice's open chat removes her leaf before Alice's next message, which Carol's device can neither fetch nor open", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const carol = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "group", name: "carol leaves", member_ids: [bob.userId ?? "", carol.userId ?? ""] });
    await joinFromMailbox(bob);
    await joinFromMailbox(carol);

    // Alice has the app open: her device stream (the live member list) and the conversation, which checked its devices on opening.
    const stream = alice.events();
    await until(() => stream.live, "Alice's device stream is live");
    const heard: string[] = [];
    const off = stream.on("details", ({ event }) => {
      if (event.conversation_id === id) heard.push(event.change);
    });
    const chat = alice.encryptedChat(id);
    await chat.send({ body: "before carol leaves" });
    const carolRead = await read(carol, id);
    expect(bodies(carolRead)).toEqual(["before carol leaves"]);

    await carol.api.conversations.removeMember(id, carol.userId ?? "");
    // What Alice's app shows: the member list changed. Then she writes (well within the 30 s a device check stays fresh).
    await until(() => heard.includes("members"), "Alice's stream reports the member change");
    await chat.send({ body: "after carol left" });
    chat.close();
    off();
    stream.close();

    expect(bodies(await read(bob, id))).toEqual(["before carol leaves", "after carol left"]);
    // Alice's client committed the removal of Carol's leaf before its message.
    const later = (await bob.api.messages.list(id, { after_seq: Math.max(...carolRead.map((m) => m.seq)), limit: 100 })).messages;
    expect(later.map((m) => m.content_type)).toEqual([MLS_COMMIT, MLS_APPLICATION]);

    // Carol's device can no longer fetch the conversation.
    const refused = await carol.api.messages.list(id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect([403, 404]).toContain((refused as ApiError).status);
    // Handed the stored ciphertext anyway, her device, which still holds its group state, cannot open it: its leaf is out.
    expect(await carol.e2ee.hasGroup(id)).toBe(true);
    expect(bodies(await carol.e2ee.ingest(id, later))).toEqual(["undecryptable"]);
  });
});
