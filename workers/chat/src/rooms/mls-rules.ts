import { CHAT_LIMITS, type MessageView, type SendMessageInput } from "../../../../lib/contracts/chat";
import type { EditMessageBody } from "../../../../lib/contracts/chat-rpc";
import {
  epochConflictDetail,
  isBase64url,
  isHandshake,
  MLS_CONTENT_TYPES,
  MLS_LIMITS,
  mlsContentTypeSchema,
  type MlsGroupView,
} from "../../../../lib/contracts/mls";
import { AppError } from "../../../../lib/errors";
import type { RoomMembers } from "./room-members";

/** Who made a send: a client (every rule applies) or the room itself (a missed-call record, plain JSON it already knows). */
export type SendOrigin = "client" | "server";

/** What the room must do with a send that passed the rules. */
export type SendPlan = {
  contentType: string;
  /** Text limit of the body or ciphertext, in UTF-8 bytes. */
  maxBytes: number;
  /** A commit or proposal: stored only for the room's current epoch. */
  gated: boolean;
};

const META_EPOCH = "mls_epoch";
const META_GROUP_INFO = "mls_group_info";
const META_GROUP_INFO_AT = "mls_group_info_at";

const invalid = (field: string, message: string, text: string) => new AppError("VALIDATION_ERROR", text, [{ field, message }]);

/** MLS bytes travel as unpadded base64url; anything else (plaintext a buggy client put there, say) is refused. */
function requireBase64url(ciphertext: string | undefined): void {
  if (ciphertext !== undefined && !isBase64url(ciphertext))
    throw invalid("ciphertext", "unpadded base64url MLS bytes", "An encrypted conversation takes MLS bytes as base64url.");
}

/**
 * The delivery-service rules of a conversation's encryption (lib/contracts/mls.ts). An `mls` room
 * takes only MLS ciphertext and keeps the group's epoch: a commit is stored only if it was made for
 * the current epoch, and advances it in the same write, so two devices committing at once cannot
 * fork the group. The epoch and the newest GroupInfo live in the room's meta table; the room is the
 * single writer and every check-and-write here runs in one synchronous turn.
 */
export class MlsRules {
  constructor(private readonly members: RoomMembers) {}

  get encrypted(): boolean {
    return this.members.known?.encryption === "mls";
  }

  get epoch(): number {
    return Number(this.members.getMeta(META_EPOCH) ?? "0");
  }

  /** Checks a send against the room's encryption; throws VALIDATION_ERROR naming the field. */
  plan(input: SendMessageInput, origin: SendOrigin): SendPlan {
    if (!this.encrypted) return this.planPlaintext(input);
    if (origin === "server") return { contentType: input.content_type ?? "text/plain", maxBytes: CHAT_LIMITS.maxBodyBytes, gated: false };
    if (input.body !== undefined)
      throw invalid("body", "an encrypted conversation takes only ciphertext", "This conversation is end-to-end encrypted: send ciphertext, not body.");
    requireBase64url(input.ciphertext);
    const kind = mlsContentTypeSchema.safeParse(input.content_type ?? MLS_CONTENT_TYPES.application);
    if (!kind.success)
      throw invalid("content_type", `one of ${mlsContentTypeSchema.options.join(", ")}`, "An encrypted conversation takes only MLS content types.");
    const gated = isHandshake(kind.data);
    if (gated && input.epoch === undefined) throw invalid("epoch", "required for a commit or proposal", "A commit or proposal names the epoch it was made in.");
    if (input.group_info !== undefined && kind.data !== MLS_CONTENT_TYPES.commit)
      throw invalid("group_info", "only on mls/commit", "Only a commit carries a GroupInfo.");
    return { contentType: kind.data, maxBytes: gated ? MLS_LIMITS.maxHandshakeBytes : CHAT_LIMITS.maxBodyBytes, gated };
  }

  /** The epoch gate: a commit or proposal made for another epoch than the room's is 409 with the room's epoch. */
  requireEpoch(epoch: number | undefined): void {
    const current = this.epoch;
    if (epoch === current) return;
    throw new AppError("CONFLICT", `The group is at epoch ${current}: fetch what you missed, then commit again.`, [epochConflictDetail(current)]);
  }

  /** After a gated message was stored (same turn): a commit advances the epoch and replaces the kept GroupInfo. */
  stored(contentType: string, groupInfo: string | undefined, at: string): void {
    if (contentType !== MLS_CONTENT_TYPES.commit) return;
    this.members.setMeta(META_EPOCH, String(this.epoch + 1));
    if (groupInfo === undefined) {
      this.members.deleteMeta(META_GROUP_INFO);
      this.members.deleteMeta(META_GROUP_INFO_AT);
    } else {
      this.members.setMeta(META_GROUP_INFO, groupInfo);
      this.members.setMeta(META_GROUP_INFO_AT, at);
    }
  }

  /** An edit of an `mls` room: new ciphertext for an application message, never a body. Returns the text limit. */
  checkEdit(message: MessageView, patch: EditMessageBody): number {
    if (!this.encrypted) {
      if (patch.epoch !== undefined) throw invalid("epoch", "only in an encrypted conversation", "This conversation is not MLS-encrypted.");
      return CHAT_LIMITS.maxBodyBytes;
    }
    if (patch.body !== undefined)
      throw invalid("body", "an encrypted conversation takes only ciphertext", "This conversation is end-to-end encrypted: edit with ciphertext, not body.");
    requireBase64url(patch.ciphertext);
    if (isHandshake(message.content_type)) throw new AppError("CONFLICT", "A commit or proposal cannot be edited.");
    return CHAT_LIMITS.maxBodyBytes;
  }

  /** Reactions through REST name the emoji in plaintext: an `mls` room takes them as application messages instead. */
  checkReaction(): void {
    if (this.encrypted)
      throw invalid(
        "emoji",
        "send reactions as encrypted application messages",
        "This conversation is end-to-end encrypted: react with an application message.",
      );
  }

  /** `GET /v1/conversations/{id}/mls`; a plaintext room has no MLS group (404). */
  view(): MlsGroupView {
    if (!this.encrypted) throw new AppError("NOT_FOUND", "This conversation is not MLS-encrypted.");
    return { epoch: this.epoch, group_info: this.members.getMeta(META_GROUP_INFO), updated_at: this.members.getMeta(META_GROUP_INFO_AT) };
  }

  /** A `none` room runs no MLS: its MLS fields and content types are refused, so nothing relies on a gate it does not have. */
  private planPlaintext(input: SendMessageInput): SendPlan {
    if (input.epoch !== undefined) throw invalid("epoch", "only in an encrypted conversation", "This conversation is not MLS-encrypted.");
    if (input.group_info !== undefined) throw invalid("group_info", "only in an encrypted conversation", "This conversation is not MLS-encrypted.");
    const contentType = input.content_type ?? "text/plain";
    if (contentType.toLowerCase().startsWith("mls/"))
      throw invalid("content_type", "MLS content types need an encrypted conversation", "This conversation is not MLS-encrypted.");
    return { contentType, maxBytes: CHAT_LIMITS.maxBodyBytes, gated: false };
  }
}
