import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { api, connect, createGroup, json, sendRest } from "./chat-client";

describe("read watermarks on a new socket", () => {
  it("a socket that opens is told where every member has read up to, before ready (a reloaded app shows seen)", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    await sendRest(alice, group.id, { client_id: "w-1", body: "one" });
    await sendRest(alice, group.id, { client_id: "w-2", body: "two" });
    await json(await api(bob, "POST", `/v1/conversations/${group.id}/read`, { seq: 2 }), 200);

    const a = await connect(alice, group.id);
    // Bob read both; Carol read nothing and so is not named.
    expect(a.socket.frames.filter((f) => f.type === "read")).toEqual([{ type: "read", user_id: bob.user.id, seq: 2 }]);
    await a.socket.end();
  });
});
