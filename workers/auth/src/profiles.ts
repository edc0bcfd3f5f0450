/** The caller's account, other users' public profiles, username search, and push devices. */
import {
  deviceIdSchema,
  registerDeviceSchema,
  updateMeSchema,
  userIdSchema,
  userSearchSchema,
  type RegisterDeviceInput,
  type UpdateMeInput,
  type UserSearchInput,
  type UserSearchResult,
} from "../../../lib/contracts/users";
import type { DeviceCreated, DeviceId, DeviceList, PublicUserEnvelope, RevokedSessions, UserEnvelope, UserId } from "../../../lib/contracts/auth-rpc";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { parseInput, verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { withRepos, type AuthRepos } from "./repos";
import { deviceView, publicUserView, userView } from "./views";

export async function getMe(env: AuthEnv, rpc: RpcContext): Promise<UserEnvelope> {
  const caller = verifiedCaller(rpc);
  const user = await withRepos(env, (repos) => repos.users.findById(caller.userId));
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return { user: userView(user) };
}

/** An avatar must be an image the caller uploaded completely; anything else names the field. */
async function checkAvatar(repos: AuthRepos, userId: string, fileId: string): Promise<void> {
  const file = await repos.files.get(fileId);
  if (!file || file.ownerId !== userId || file.status !== "completed" || !file.contentType.startsWith("image/")) {
    throw new AppError("VALIDATION_ERROR", "The avatar must be an image you uploaded.", [
      { field: "avatar_file_id", message: "not one of your uploaded images" },
    ]);
  }
}

export async function updateMe(env: AuthEnv, rpc: RpcContext, input: UpdateMeInput): Promise<UserEnvelope> {
  const caller = verifiedCaller(rpc);
  const patch = parseInput(updateMeSchema, input);
  const user = await withRepos(env, async (repos) => {
    if (patch.avatar_file_id) await checkAvatar(repos, caller.userId, patch.avatar_file_id);
    return repos.users.updateProfile(caller.userId, {
      ...(patch.display_name !== undefined ? { displayName: patch.display_name } : {}),
      ...(patch.avatar_file_id !== undefined ? { avatarFileId: patch.avatar_file_id } : {}),
    });
  });
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return { user: userView(user) };
}

export async function getPublicProfile(env: AuthEnv, rpc: RpcContext, userIdInput: UserId): Promise<PublicUserEnvelope> {
  verifiedCaller(rpc);
  const userId = parseInput(userIdSchema, userIdInput);
  const user = await withRepos(env, (repos) => repos.users.findById(userId));
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return { user: publicUserView(user) };
}

/** Username prefix search, ordered by username, keyset-paged with `after` (the last username seen). */
export async function searchUsers(env: AuthEnv, rpc: RpcContext, input: UserSearchInput): Promise<UserSearchResult> {
  verifiedCaller(rpc);
  const query = parseInput(userSearchSchema, input);
  const rows = await withRepos(env, (repos) => repos.users.searchByUsernamePrefix(query.q, query.limit + 1, query.after));
  const page = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  const last = page[page.length - 1];
  return { users: page.map(publicUserView), has_more: hasMore, ...(hasMore && last ? { next_after: last.username } : {}) };
}

/** A push token already registered (same phone, maybe another account) moves to the caller. */
export async function registerDevice(env: AuthEnv, rpc: RpcContext, input: RegisterDeviceInput): Promise<DeviceCreated> {
  const caller = verifiedCaller(rpc);
  const body = parseInput(registerDeviceSchema, input);
  const device = await withRepos(env, (repos) => repos.users.upsertDevice({ userId: caller.userId, platform: body.platform, pushToken: body.push_token }));
  return { device_id: device.id };
}

export async function listDevices(env: AuthEnv, rpc: RpcContext): Promise<DeviceList> {
  const caller = verifiedCaller(rpc);
  const rows = await withRepos(env, (repos) => repos.users.listAllDevices(caller.userId));
  return { devices: rows.map((d) => deviceView(d, caller.deviceId)) };
}

/**
 * Another user's device is NOT_FOUND, exactly like an unknown id. The device's sessions end with it
 * (ON DELETE CASCADE); their ids go back so the gateway stops accepting their tokens at once.
 */
export async function deleteDevice(env: AuthEnv, rpc: RpcContext, deviceIdInput: DeviceId): Promise<RevokedSessions> {
  const caller = verifiedCaller(rpc);
  const deviceId = parseInput(deviceIdSchema, deviceIdInput);
  const revoked = await withRepos(env, async (repos) => {
    const sessionIds = (await repos.users.findDevice(caller.userId, deviceId)) ? await repos.sessions.activeIdsForDevice(deviceId) : [];
    return (await repos.users.deleteDevice(caller.userId, deviceId)) ? sessionIds : null;
  });
  if (!revoked) throw new AppError("NOT_FOUND", "No such device.");
  for (const sessionId of revoked)
    log({ event: "session_revoked", user_id: caller.userId, session_id: sessionId, reason: "device_deleted", request_id: rpc.requestId });
  return { revoked_session_ids: revoked };
}
