import type { DeviceStream } from "../device-stream";
import { Emitter } from "../emitter";
import { ApiError } from "../errors";
import { newClientId } from "../outbox";
import type { RestApi } from "../rest";
import type { ConversationEnvelope, CreateConversationInput, DeviceEvent, MailboxEntry, Message } from "../types";
import { fromBase64Url, fromHex, toBase64Url } from "./bytes";
import { ConversationGroup, MLS_COMMIT, type DecryptedMessage } from "./conversation-group";
import { DeviceFollower } from "./device-follower";
import { DeviceKeys } from "./device-keys";
import { DEVICE_CHECK_MS, deviceKey, diffDevices, NO_PACKAGE_RETRY_MS } from "./device-sync";
import { groupInfoField, rejoinByExternalCommit } from "./external-join";
import { tsMlsEngine } from "./mls-adapter";
import type { LeafMember, MlsEngine, MlsGroup } from "./mls-engine";
import type { MessageContent } from "./payload";
import type { SecretStore } from "./secret-store";
import { safetyNumber, TrustStore, type KeyChange } from "./trust";

export interface E2eeEvents {
  /** A contact's device presented another key than the pinned one (a substituted KeyPackage, a reinstall): warn. */
  key_changed: KeyChange;
  /** Messages this device handled, in seq order, from any source (live socket, history, catch-up before a commit). */
  decrypted: { conversation_id: string; messages: DecryptedMessage[] };
  /** This device joined a conversation's group (a Welcome, or a rejoin after lost state) at `seq`: what came after it is now readable, nothing before. */
  joined: { conversation_id: string; seq: number };
  /** A check run for a `devices` entry (`followDevices`) committed here: these devices were added (Welcomes sent) or their leaves removed. */
  devices_synced: DeviceChange & { conversation_id: string };
  /** Someone else joined or left a conversation (`membersChanged`): its next send checks the devices first; an open chat checks at once. */
  members_changed: { conversation_id: string };
}

/** The device stream's entry: one of the user's other devices was added (ready for MLS) or removed (signed out, deleted). */
export type DevicesEvent = Extract<DeviceEvent, { kind: "devices" }>;

export interface E2eeOptions {
  api: RestApi;
  store: SecretStore;
  /** The signed-in user and this device (the token's device_id). */
  self: () => LeafMember | null;
  engine?: MlsEngine;
  /** How long a conversation's device check stays fresh for sends (`ensureDevices`); default 30 s, 0 = check before every send. */
  deviceCheckMs?: number;
}

/** What a device check committed: the devices it added (each got its Welcome) and the leaves it removed. */
export interface DeviceChange {
  added: LeafMember[];
  removed: LeafMember[];
}
const NO_CHANGE: DeviceChange = { added: [], removed: [] };
/** Users per claim call (the directory's limit). */
const CLAIM_USERS = 100;

/** Attempts at a commit when other devices keep winning the epoch (409) before giving up. */
const COMMIT_ATTEMPTS = 6;

interface ClaimedDevice extends LeafMember {
  keyPackage: Uint8Array;
}

/**
 * End-to-end encryption of conversations with MLS: one group per conversation, every device of
 * every member a leaf (our own other devices too). Commits are sent before they are applied: the
 * room stores one per epoch, a device adopts its own only after the room accepted it, and a 409
 * means "apply the winner, then try again". New devices get their Welcome through their mailbox; a
 * device that lost its state rejoins by External Commit (`rejoin`).
 */
export class E2ee extends Emitter<E2eeEvents> {
  readonly trust: TrustStore;
  readonly keys: DeviceKeys;
  private readonly engine: MlsEngine;
  private readonly groups = new Map<string, Promise<ConversationGroup | null>>();
  /**
   * Per conversation: when its devices were last checked, the check under way, and how many member
   * changes (`membersChanged`) that check had seen: one that missed a change is not fresh.
   */
  private readonly deviceChecks = new Map<string, { at: number; running: Promise<DeviceChange> | null; changes: number }>();
  /** Member changes heard per conversation. */
  private readonly memberChanges = new Map<string, number>();
  /** Devices whose claim came back empty (no KeyPackage published), by "user:device", until when not to ask again. */
  private readonly noPackage = new Map<string, number>();
  private readonly follower: DeviceFollower;
  /** Rejoins under way, by conversation (concurrent callers share one). */
  private readonly rejoins = new Map<string, Promise<boolean>>();
  private mailboxTurn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: E2eeOptions) {
    super();
    this.engine = options.engine ?? tsMlsEngine;
    this.trust = new TrustStore(options.store);
    this.keys = new DeviceKeys(this.engine, options.store, () => this.me());
    this.follower = new DeviceFollower({
      heldConversations: () => ConversationGroup.heldIds(options.store),
      checkNow: async (conversationId) => {
        // A check under way may have read the device list before the change: let it finish, then check again.
        await this.deviceChecks.get(conversationId)?.running?.catch(() => undefined);
        return this.ensureDevices(conversationId, 0);
      },
      changed: (conversationId, change) => this.emit("devices_synced", { conversation_id: conversationId, ...change }),
    });
  }

  get api(): RestApi {
    return this.options.api;
  }

  /** Makes the device's keys if needed and keeps the KeyPackage directory stocked. Call after sign-in and on `key_packages_low`. */
  publishKeyPackages() {
    return this.keys.publish({
      uploadKeyPackages: (input) => this.options.api.mls.uploadKeyPackages(input),
      keyPackageCount: () => this.options.api.mls.keyPackageCount(),
    });
  }

  /** Creates an encrypted conversation and its group with every device of every member (our other devices included). */
  async createConversation(input: Omit<CreateConversationInput, "encryption">): Promise<ConversationEnvelope["conversation"]> {
    const me = this.me();
    const { conversation } = await this.options.api.conversations.create({ ...input, encryption: "mls" });
    await this.createConversationGroup(
      conversation.id,
      conversation.members.map((m) => m.user_id).filter((id) => id !== me.userId),
    );
    return conversation;
  }

  /**
   * The group of an `mls` conversation this device created (epoch 0, the room's starting epoch), then
   * every device of these users and our own other devices added in its first commit. A direct create
   * that returned an existing conversation finds the group already here (or joins it by Welcome).
   */
  async createConversationGroup(conversationId: string, userIds: string[]): Promise<void> {
    if (!(await this.group(conversationId)) && (await this.options.api.mls.group(conversationId)).mls_group.epoch === 0) {
      const group = await this.engine.createGroup(conversationId, await this.keys.ownLeafPackage());
      this.groups.set(conversationId, ConversationGroup.adopt(conversationId, this.engine, this.options.store, group, 0));
    }
    if (await this.group(conversationId)) await this.addDevices(conversationId, [this.me().userId, ...userIds]);
  }

  /** Adds users to the conversation, then every device of theirs to its group. */
  async addMembers(conversationId: string, userIds: string[]): Promise<ConversationEnvelope["conversation"]> {
    const { conversation } = await this.options.api.conversations.addMembers(conversationId, { user_ids: userIds });
    await this.addDevices(conversationId, userIds);
    return conversation;
  }

  /**
   * Someone else was added to or left the conversation (the device stream's `details` with
   * `change: "members"`; SecureConnectClient passes it on): the device check is no longer fresh, so
   * the next send commits the difference first (a leaver's leaves removed, a newcomer's devices
   * added), and an open EncryptedChat runs it at once.
   */
  membersChanged(conversationId: string): void {
    this.memberChanges.set(conversationId, (this.memberChanges.get(conversationId) ?? 0) + 1);
    this.emit("members_changed", { conversation_id: conversationId });
  }

  /** Removes a user's every leaf first (from then on they cannot read), then the membership. */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.commit(conversationId, (group) => ({
      add: [],
      removeLeaves: group
        .members()
        .filter((m) => m.userId === userId)
        .map((m) => m.leaf),
    }));
    await this.options.api.conversations.removeMember(conversationId, userId);
  }

  /**
   * Adds every signed-in device of these users that the group lacks. Only devices the server lists
   * for this conversation's members (GET …/mls/devices) are added: a user who is not a member gets
   * nothing, even if the directory would hand out their KeyPackages (they share another conversation).
   */
  async addDevices(conversationId: string, userIds: string[]): Promise<LeafMember[]> {
    return (await this.reconcile(conversationId, { onlyUsers: new Set(userIds), removeStale: false })).added;
  }

  /**
   * Makes the group's leaves match the conversation's devices: every signed-in device of every
   * member added (a member's new device: it gets a Welcome and reads from then on), every other
   * leaf removed (a deleted or signed-out device, a user who is no longer a member, a leaf a hostile
   * member added for a non-member). One commit; when another device commits first (409), this one
   * applies that commit and plans again, so a device is never added twice. Without a group this device
   * first tries to `rejoin`; nothing to do if it cannot (it waits for its Welcome).
   */
  async syncDevices(conversationId: string): Promise<DeviceChange> {
    if (!(await this.group(conversationId)) && !(await this.rejoin(conversationId))) return NO_CHANGE;
    return this.reconcile(conversationId, { removeStale: true });
  }

  /**
   * A device that lost its MLS state (a cleared browser, a reinstalled app on the same session) but
   * is still a member with a leaf in the group gets back in: fresh KeyPackages (replacing what the
   * directory holds for it when its keys are new), any Welcome in its mailbox joined, and if that
   * did not do it, an External Commit that replaces its old leaf (409: the newer GroupInfo, up to
   * COMMIT_ATTEMPTS tries). Every other device sees a new key for this device (`key_changed`). It
   * reads what is sent after its join; earlier messages are not shown (their epochs' keys are gone).
   * Resolves true when the device holds the group; false when there is nothing to rejoin from (a
   * device never added waits for its Welcome). `syncDevices` (on opening the chat, before a send)
   * calls it; not ingest or catch-up, which run for every conversation with news, whereas a rejoin
   * is a commit every member's device processes and a changed safety number to look at.
   */
  rejoin(conversationId: string): Promise<boolean> {
    let running = this.rejoins.get(conversationId);
    if (!running) {
      running = this.rejoinOnce(conversationId).finally(() => this.rejoins.delete(conversationId));
      this.rejoins.set(conversationId, running);
    }
    return running;
  }

  /**
   * `syncDevices` unless one ran in the last `maxAgeMs` (default `deviceCheckMs`) and no member
   * change came since; concurrent callers share one check, and a check that started before a member
   * change is followed by another. EncryptedChat calls it on open (maxAgeMs 0) and before every send.
   */
  ensureDevices(conversationId: string, maxAgeMs: number = this.options.deviceCheckMs ?? DEVICE_CHECK_MS): Promise<DeviceChange> {
    const check = this.deviceChecks.get(conversationId);
    const changes = this.memberChanges.get(conversationId) ?? 0;
    if (check?.running && check.changes === changes) return check.running;
    if (check && !check.running && check.changes === changes && Date.now() - check.at < maxAgeMs) return Promise.resolve(NO_CHANGE);
    const before = check?.running?.catch(() => NO_CHANGE) ?? Promise.resolve(NO_CHANGE);
    const settle = (entry: { at: number; changes: number }) => {
      // Only the newest check writes: one that finished behind a newer one leaves that one's entry.
      if (this.deviceChecks.get(conversationId)?.running === running) this.deviceChecks.set(conversationId, { ...entry, running: null });
    };
    const running: Promise<DeviceChange> = before.then(async () => {
      const started = Date.now();
      try {
        const change = await this.syncDevices(conversationId);
        settle({ at: started, changes });
        return change;
      } catch (error) {
        // A failed check counts for nothing: what was fresh before stays so (offline, a send does not wait
        // on a check each time), and a member change it was to cover still makes the next send try again.
        settle({ at: check?.at ?? 0, changes: check?.changes ?? -1 });
        throw error;
      }
    });
    this.deviceChecks.set(conversationId, { at: check?.at ?? 0, running, changes });
    return running;
  }

  /**
   * Acts on the device stream's `devices` entries (`devicesChanged` for each); returns the unsubscribe.
   * Call once per client, next to `autoAck(… handleMailbox …)`.
   */
  followDevices(stream: Pick<DeviceStream, "on">): () => void {
    return stream.on("devices", ({ event }) => void this.devicesChanged(event));
  }

  /**
   * One of the user's other devices was added or removed: the device check (`ensureDevices` with
   * maxAge 0) of every encrypted conversation this device holds, one after another, so a new device
   * gets its Welcomes and a signed-out one loses its leaves without waiting for an open or a send.
   * Resolves when that run is over; never rejects (a conversation whose check failed is left to its
   * next open or send). `devices_synced` tells what each conversation's commit changed.
   */
  devicesChanged(event: DevicesEvent): Promise<void> {
    const self = this.options.self();
    // It has KeyPackages now: an earlier empty claim of it must not hold its add back.
    if (self && event.change === "added") this.noPackage.delete(deviceKey({ userId: self.userId, deviceId: event.device_id }));
    return this.follower.request();
  }

  /** Encrypts one message's content; the state is persisted before the ciphertext is handed out. */
  async encrypt(conversationId: string, content: MessageContent, clientId: string = newClientId()) {
    const group = await this.requireGroup(conversationId);
    const sealed = await group.serial(() => group.encrypt(clientId, { v: 1, device_id: this.me().deviceId, content }));
    return { client_id: clientId, ...sealed };
  }

  /** Handles messages of a conversation in seq order (commits applied, the rest decrypted); `decrypted` sees the outcome. */
  async ingest(conversationId: string, messages: Message[]): Promise<DecryptedMessage[]> {
    const group = await this.group(conversationId);
    if (!group) return messages.filter((m) => m.content_type !== MLS_COMMIT).map(undecryptable);
    return group.serial(async () => {
      const first = Math.min(...messages.map((m) => m.seq));
      // A gap (messages we never saw, e.g. while offline): fetch it first, the state depends on every commit.
      if (first > group.processedSeq + 1) await this.catchUpLocked(group, first - 1).catch(ignoreLostAccess);
      return this.ingestLocked(group, messages);
    });
  }

  /** Fetches and handles everything the room stored after what this device handled. */
  async catchUp(conversationId: string): Promise<void> {
    const group = await this.group(conversationId);
    if (group) await group.serial(() => this.catchUpLocked(group, Number.MAX_SAFE_INTEGER));
  }

  /** Mailbox entries: Welcomes join their groups. Resolve = processed (acknowledge them); payloads that are not ours are skipped. */
  handleMailbox(entries: MailboxEntry[]): Promise<void> {
    // One batch at a time: the stream and a rejoin may hand over the same Welcome at once, and it must join once.
    const run = this.mailboxTurn.then(async () => {
      for (const entry of entries) {
        const welcome = fromBase64Url(entry.payload);
        if (welcome) await this.join(welcome, entry.from_user_id);
      }
    });
    this.mailboxTurn = run.catch(() => undefined);
    return run;
  }

  /** The safety number of the signed-in user and a contact over the device keys of this conversation's group. */
  async safetyNumber(conversationId: string, userId: string): Promise<string | null> {
    const group = await this.group(conversationId);
    if (!group) return null;
    const members = group.group.members();
    const keysOf = (id: string) => members.filter((m) => m.userId === id).map((m) => m.signatureKey);
    const theirs = keysOf(userId);
    if (theirs.length === 0) return null;
    return safetyNumber({ userId: this.me().userId, keys: keysOf(this.me().userId) }, { userId, keys: theirs });
  }

  /** The user compared safety numbers and accepts a changed key: it becomes the pinned one. */
  acceptKeyChange(change: KeyChange): Promise<void> {
    return this.trust.accept(change.user_id, change.device_id, fromHex(change.presented));
  }

  /** Whether this device holds the conversation's group (false: not joined yet, or never will be). */
  async hasGroup(conversationId: string): Promise<boolean> {
    return (await this.group(conversationId)) !== null;
  }

  /** The epoch this device is at (null without a group). */
  async epoch(conversationId: string): Promise<number | null> {
    return (await this.group(conversationId))?.group.epoch ?? null;
  }

  private async rejoinOnce(conversationId: string): Promise<boolean> {
    if (await this.group(conversationId)) return true;
    // Before any commit: a package of ours whose private key went with the lost state must not be claimed.
    await this.publishKeyPackages();
    // A Welcome waiting in the mailbox joins without a commit.
    await this.handleMailbox((await this.options.api.devices.mailbox()).entries);
    if (await this.group(conversationId)) return true;
    const joined = await rejoinByExternalCommit(this.options.api, this.engine, {
      conversationId,
      me: this.me(),
      ownKey: (await this.keys.identity()).publicKey,
      leafPackage: () => this.keys.ownLeafPackage(),
      attempts: COMMIT_ATTEMPTS,
    });
    if (!joined) return false;
    await this.adoptJoined(conversationId, joined.group, joined.seq);
    return true;
  }

  private async join(welcome: Uint8Array, fromUserId: string): Promise<void> {
    for (const ref of this.engine.welcomeRefs(welcome)) {
      const bundle = await this.keys.bundle(ref);
      if (!bundle) continue;
      const group = await this.engine.joinFromWelcome(welcome, bundle).catch(() => null);
      // The Welcome's sender must be in the group it welcomes us to (a stranger's Welcome is dropped).
      if (!group?.members().some((m) => m.userId === fromUserId)) return;
      const cid = group.groupId;
      const seq = await this.commitSeq(cid, group.epoch - 1);
      const existing = await this.group(cid);
      if (seq === null || (existing && existing.epochSeq >= seq)) return;
      await this.adoptJoined(cid, group, seq);
      await this.keys.consumed(ref);
      return;
    }
  }

  /** A group this device joined at the commit stored at `seq` (from a Welcome or its own External Commit) becomes its state. */
  private async adoptJoined(cid: string, group: MlsGroup, seq: number): Promise<void> {
    const adopted = ConversationGroup.adopt(cid, this.engine, this.options.store, group, seq);
    this.groups.set(cid, adopted);
    await adopted;
    await this.checkKeys(group);
    // Nothing before the join's commit is readable here: it must not count as unread (read marks only move forward).
    await this.options.api.messages.markRead(cid, seq).catch(() => undefined);
    this.emit("joined", { conversation_id: cid, seq });
  }

  /** The seq of the commit made at `epoch` (the one our Welcome belongs to), newest first; null when the room has none (or we may not read it). */
  private async commitSeq(cid: string, epoch: number): Promise<number | null> {
    let before: number | undefined;
    for (let page = 0; page < 20; page++) {
      const found = await this.options.api.messages.list(cid, { limit: 100, ...(before ? { before_seq: before } : {}) }).catch(() => null);
      if (!found) return null;
      const commit = found.messages.find((m) => m.content_type === MLS_COMMIT && m.epoch === epoch);
      if (commit) return commit.seq;
      if (!found.has_more || found.messages.length === 0) return null;
      before = Math.min(...found.messages.map((m) => m.seq));
    }
    return null;
  }

  /**
   * One commit that adds the listed devices the group lacks and (with `removeStale`) removes the
   * leaves the list does not name, then the Welcomes. The list is fetched inside the commit's turn,
   * after the catch-up: a device another member added is in our state only if its commit came
   * before, and then it was listed before that commit, so a fresh list never drops it by mistake.
   */
  private async reconcile(conversationId: string, options: { onlyUsers?: ReadonlySet<string>; removeStale: boolean }): Promise<DeviceChange> {
    const me = this.me();
    // Packages claimed in an attempt that lost the epoch race are reused, not claimed again.
    const claimed = new Map<string, ClaimedDevice>();
    let removed: LeafMember[] = [];
    const result = await this.commit(conversationId, async (group) => {
      const { devices } = await this.options.api.mls.devices(conversationId);
      const leaves = group.members();
      const diff = diffDevices(leaves, devices, me, options);
      const now = Date.now();
      const toClaim = diff.missing.filter((d) => !claimed.has(deviceKey(d)) && (this.noPackage.get(deviceKey(d)) ?? 0) <= now);
      for (const device of await this.claimDevices(toClaim)) claimed.set(deviceKey(device), device);
      for (const device of toClaim) if (!claimed.has(deviceKey(device))) this.noPackage.set(deviceKey(device), now + NO_PACKAGE_RETRY_MS);
      const fresh = diff.missing.flatMap((d) => claimed.get(deviceKey(d)) ?? []);
      removed = leaves.filter((leaf) => diff.stale.includes(leaf.leaf)).map(({ userId, deviceId }) => ({ userId, deviceId }));
      return { add: fresh.map((d) => d.keyPackage), removeLeaves: diff.stale, devices: fresh };
    });
    if (!result) return NO_CHANGE;
    if (result.welcome) {
      // The Welcome MLSMessage as is (workers/chat/README.md): its group_id names the conversation.
      const mail = toBase64Url(result.welcome);
      for (const device of result.devices) await this.options.api.devices.postMail(device.deviceId, { payload: mail });
    }
    return { added: result.devices.map(({ userId, deviceId }) => ({ userId, deviceId })), removed };
  }

  /** Claims a package for exactly these devices (the directory's `device_ids`), CLAIM_USERS users a call. */
  private async claimDevices(devices: LeafMember[]): Promise<ClaimedDevice[]> {
    const wanted = new Set(devices.map(deviceKey));
    const users = [...new Set(devices.map((d) => d.userId))];
    const out: ClaimedDevice[] = [];
    for (let i = 0; i < users.length; i += CLAIM_USERS) {
      const part = new Set(users.slice(i, i + CLAIM_USERS));
      const deviceIds = devices.filter((d) => part.has(d.userId)).map((d) => d.deviceId);
      // Anything the directory answers beyond what was asked is dropped.
      out.push(...(await this.claim([...part], deviceIds)).filter((d) => wanted.has(deviceKey(d))));
    }
    return out;
  }

  private async commit<T extends { add: Uint8Array[]; removeLeaves: number[] }>(
    conversationId: string,
    plan: (group: MlsGroup) => T | Promise<T>,
  ): Promise<(T & { seq: number; welcome: Uint8Array | null }) | null> {
    const group = await this.requireGroup(conversationId);
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const outcome = await group.serial(async () => {
        await this.catchUpLocked(group, Number.MAX_SAFE_INTEGER);
        const change = await plan(group.group);
        if (change.add.length === 0 && change.removeLeaves.length === 0) return { kind: "done" as const, value: null };
        const made = await group.group.commit(change);
        try {
          const { message } = await this.options.api.messages.send(conversationId, {
            client_id: newClientId(),
            content_type: MLS_COMMIT,
            ciphertext: toBase64Url(made.commit),
            epoch: group.group.epoch,
            // The room keeps the new epoch's GroupInfo, so a device of the group that loses its state can rejoin.
            ...(await groupInfoField(made.next)),
          });
          await group.adoptCommit(made.next, message.seq);
          return { kind: "done" as const, value: { ...change, seq: message.seq, welcome: made.welcome } };
        } catch (error) {
          if (error instanceof ApiError && error.status === 409) return { kind: "retry" as const };
          throw error;
        }
      });
      if (outcome.kind === "done") return outcome.value;
    }
    throw new ApiError(409, "CONFLICT", "Other devices kept changing the group; try again.");
  }

  private async claim(userIds: string[], deviceIds: string[]): Promise<ClaimedDevice[]> {
    const me = this.me();
    const { key_packages } = await this.options.api.mls.claimKeyPackages({ user_ids: [...new Set(userIds)], device_ids: [...new Set(deviceIds)] });
    const out: ClaimedDevice[] = [];
    for (const claimed of key_packages) {
      if (claimed.user_id === me.userId && claimed.device_id === me.deviceId) continue;
      const bytes = fromBase64Url(claimed.key_package);
      const inspected = bytes ? await this.engine.inspectKeyPackage(bytes) : null;
      // A package must name the device the directory handed it out for: another user's package is never added.
      if (!bytes || !inspected || inspected.userId !== claimed.user_id || inspected.deviceId !== claimed.device_id) continue;
      const pin = await this.trust.check(inspected.userId, inspected.deviceId, inspected.signatureKey);
      if (pin.change) this.emit("key_changed", pin.change);
      out.push({ userId: inspected.userId, deviceId: inspected.deviceId, keyPackage: bytes });
    }
    return out;
  }

  private async checkKeys(group: MlsGroup): Promise<void> {
    const me = this.me();
    for (const member of group.members()) {
      if (member.userId === me.userId && member.deviceId === me.deviceId) continue;
      const pin = await this.trust.check(member.userId, member.deviceId, member.signatureKey);
      if (pin.change) this.emit("key_changed", pin.change);
    }
  }

  private async ingestLocked(group: ConversationGroup, messages: Message[]): Promise<DecryptedMessage[]> {
    const decrypted = await group.ingest(messages, this.me().userId, (next) => this.checkKeys(next));
    if (decrypted.length > 0) this.emit("decrypted", { conversation_id: group.conversationId, messages: decrypted });
    return decrypted;
  }

  private async catchUpLocked(group: ConversationGroup, untilSeq: number): Promise<void> {
    for (;;) {
      const page = await this.options.api.messages.list(group.conversationId, { after_seq: group.processedSeq, limit: 100 });
      const wanted = page.messages.filter((m) => m.seq <= untilSeq);
      if (wanted.length > 0) await this.ingestLocked(group, wanted);
      if (!page.has_more || wanted.length < page.messages.length || page.messages.length === 0) return;
    }
  }

  private group(conversationId: string): Promise<ConversationGroup | null> {
    let loaded = this.groups.get(conversationId);
    if (!loaded) {
      loaded = ConversationGroup.load(conversationId, this.engine, this.options.store).catch(() => null);
      this.groups.set(conversationId, loaded);
    }
    return loaded;
  }

  private async requireGroup(conversationId: string): Promise<ConversationGroup> {
    const group = await this.group(conversationId);
    if (!group) throw new ApiError(409, "CONFLICT", "This device has not joined the conversation's encryption group yet.");
    return group;
  }

  private me(): LeafMember {
    const self = this.options.self();
    if (!self) throw new ApiError(401, "UNAUTHORIZED", "Sign in before using end-to-end encryption.");
    return self;
  }
}

/** A conversation we were removed from (404/403) has nothing more to fetch: handle what we were given. */
function ignoreLostAccess(error: unknown): void {
  if (!(error instanceof ApiError && (error.status === 403 || error.status === 404))) throw error;
}

function undecryptable(message: Message): DecryptedMessage {
  return {
    seq: message.seq,
    id: message.id,
    client_id: message.client_id,
    sender_id: message.sender_id,
    sender_device_id: null,
    created_at: message.created_at,
    attachments: message.attachments,
    status: message.deleted ? "deleted" : "undecryptable",
    content: null,
  };
}
