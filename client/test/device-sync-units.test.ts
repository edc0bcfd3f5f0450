import { describe, it } from "vitest";
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
