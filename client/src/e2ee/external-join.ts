import { MLS_LIMITS } from "../../../lib/contracts/mls";
import { ApiError } from "../errors";
import { newClientId } from "../outbox";
import type { RestApi } from "../rest";
import { fromBase64Url, toBase64Url, toHex } from "./bytes";
import { MLS_COMMIT } from "./conversation-group";
import type { KeyPackageBundle, LeafMember, MlsEngine, MlsGroup } from "./mls-engine";

/**
 * The `group_info` every commit carries: the GroupInfo of the epoch it creates, which the room keeps
 * for a device that rejoins by External Commit (workers/chat/README.md, "Rejoining after lost
 * state"). Past the room's limit (a tree of ≈750 leaves) it is left out: the room then keeps none,
 * and a device that lost its state waits for a member to add it again.
 */
export async function groupInfoField(next: MlsGroup): Promise<{ group_info?: string }> {
  const text = toBase64Url(await next.groupInfo());
  return text.length <= MLS_LIMITS.maxGroupInfoChars ? { group_info: text } : {};
}

export interface RejoinInput {
  conversationId: string;
  me: LeafMember;
  /** This device's signing key now: a leaf of this device that has it came from one of its current KeyPackages. */
  ownKey: Uint8Array;
  /** A fresh KeyPackage of this device for its new leaf (kept on the device, never published). */
  leafPackage: () => Promise<KeyPackageBundle>;
  attempts: number;
}

/**
 * Rejoins a conversation's group by External Commit from the GroupInfo the room keeps, removing this
 * device's old leaf in the same commit (its keys are gone with its state). Resolves with the new
 * state once the room stored the commit, at that seq; null when there is nothing to rejoin: the room
 * keeps no GroupInfo for its epoch, the group has no leaf of this device (a device that was never
 * added waits for its Welcome: only a member adds a new device), or its leaf has the device's current
 * signing key (it was just added; its Welcome is coming). A 409 means another device
 * committed first: fetch the newer GroupInfo and try again, `attempts` times. A non-member's fetch
 * is the server's 404 (thrown).
 */
export async function rejoinByExternalCommit(api: RestApi, engine: MlsEngine, input: RejoinInput): Promise<{ group: MlsGroup; seq: number } | null> {
  const { conversationId, me } = input;
  for (let attempt = 0; attempt < input.attempts; attempt++) {
    const { mls_group: view } = await api.mls.group(conversationId);
    const bytes = view.group_info ? fromBase64Url(view.group_info) : null;
    const info = bytes ? engine.inspectGroupInfo(bytes) : null;
    // What the room keeps is of its current epoch and names this conversation; anything else is not ours to join.
    if (!bytes || !info || info.groupId !== conversationId || info.epoch !== view.epoch) return null;
    const leaf = info.members.find((m) => m.userId === me.userId && m.deviceId === me.deviceId);
    // A leaf with this device's current key was added from one of its published KeyPackages: its Welcome is on the
    // way (a device just added, whose chat opened first). Only a leaf with a lost key is a dead one to replace.
    if (!leaf || toHex(leaf.signatureKey) === toHex(input.ownKey)) return null;
    const made = await engine.joinExternal(bytes, await input.leafPackage());
    try {
      const { message } = await api.messages.send(conversationId, {
        client_id: newClientId(),
        content_type: MLS_COMMIT,
        ciphertext: toBase64Url(made.commit),
        epoch: view.epoch,
        ...(await groupInfoField(made.next)),
      });
      return { group: made.next, seq: message.seq };
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    }
  }
  throw new ApiError(409, "CONFLICT", "Other devices kept changing the group; try rejoining again.");
}
