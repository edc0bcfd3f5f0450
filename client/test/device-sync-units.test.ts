import { describe, it } from "vitest";
import { DeviceFollower } from "../src/e2ee/device-follower";
import { diffDevices } from "../src/e2ee/device-sync";

/** The plan of a device check, without a network: what a commit adds and removes for a group's leaves and the server's list. */

const self = { userId: "alice", deviceId: "a1" };
const leaves = [
  { ...self, leaf: 0 },
  { userId: "bob", deviceId: "b1", leaf: 1 },
  { userId: "bob", deviceId: "b-deleted", leaf: 2 },
  { userId: "carol", deviceId: "c1", leaf: 3 },
];
const listed = [
  { user_id: "alice", device_id: "a1" },
  { user_id: "alice", device_id: "a2-new-phone" },
  { user_id: "bob", device_id: "b1" },
  { user_id: "dave", device_id: "d1" },
];

describe("diffDevices", () => {
  it("adds the listed devices the group lacks and removes the leaves the list does not name (a deleted device, a departed user)", ({ expect }) => {
    expect(diffDevices(leaves, listed, self, { removeStale: true })).toEqual({
      missing: [
        { userId: "alice", deviceId: "a2-new-phone" },
        { userId: "dave", deviceId: "d1" },
      ],
      stale: [2, 3],
    });
  });

  it("never removes our own leaf, even when the list leaves it out, and never adds ourselves", ({ expect }) => {
    const withoutSelf = listed.filter((d) => d.device_id !== "a1");
    expect(
      diffDevices([{ ...self, leaf: 0 }], [...withoutSelf, { user_id: "alice", device_id: "a1" }], self, { removeStale: true }).missing,
    ).not.toContainEqual(self);
    expect(diffDevices(leaves, withoutSelf, self, { removeStale: true }).stale).not.toContain(0);
  });

  it("narrowed to some users, adds only their devices (a user the list does not name gets nothing) and removes nothing", ({ expect }) => {
    expect(diffDevices(leaves, listed, self, { onlyUsers: new Set(["dave", "mallory"]), removeStale: false })).toEqual({
      missing: [{ userId: "dave", deviceId: "d1" }],
      stale: [],
    });
    expect(diffDevices(leaves, listed, self, { onlyUsers: new Set(["mallory"]), removeStale: false })).toEqual({ missing: [], stale: [] });
  });
});

describe("DeviceFollower (the `devices` entries of the stream)", () => {
  /** A host whose checks wait until released, recording the order they ran in. */
  function host(held: string[]) {
    const checked: string[] = [];
    const changed: string[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const follower = new DeviceFollower({
      heldConversations: async () => held,
      checkNow: async (id) => {
        checked.push(id);
        await gate;
        if (id === "fails") throw new Error("offline");
        return id === "c1" ? { added: [{ userId: "alice", deviceId: "phone" }], removed: [] } : { added: [], removed: [] };
      },
      changed: (id) => changed.push(id),
    });
    const open = () => {
      release();
      gate = Promise.resolve();
    };
    return { follower, checked, changed, open };
  }

  it("checks every held conversation one after another; a failing one does not stop the others and only commits are reported", async ({ expect }) => {
    const h = host(["c1", "fails", "c2"]);
    const done = h.follower.request();
    await new Promise((resolve) => setTimeout(resolve, 0)); // every microtask has run: the first check waits at its gate
    expect(h.checked).toEqual(["c1"]); // one at a time: the next waits for this one
    h.open();
    await done;
    expect(h.checked).toEqual(["c1", "fails", "c2"]);
    expect(h.changed).toEqual(["c1"]);
  });

  it("entries during a run ask for exactly one more run after it (a list read before the change is not trusted)", async ({ expect }) => {
    const h = host(["c1", "c2"]);
    const first = h.follower.request();
    const during = [h.follower.request(), h.follower.request(), h.follower.request()];
    h.open();
    await Promise.all([first, ...during]);
    expect(h.checked).toEqual(["c1", "c2", "c1", "c2"]);
    await h.follower.request();
    expect(h.checked).toHaveLength(6); // idle again: the next entry runs anew
  });
});
