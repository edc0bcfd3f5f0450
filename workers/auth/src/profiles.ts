/** The caller's account, other users' public profiles, username search, and devices (push tokens on them). */
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
import type { DeviceCreated, DeviceDeleted, DeviceId, DeviceList, PublicUserEnvelope, UserEnvelope, UserId } from "../../../lib/contracts/auth-rpc";
import { canonicalWebPushToken, parseWebPushToken } from "../../../lib/contracts/web-push";
import { isDevelopment } from "../../../lib/environment";
import { AppError } from "../../../lib/errors";
import { webPushEndpointAllowed } from "../../../lib/web-push-endpoint";
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

/**
 * The push token goes on the session's own device (one session = one device); a token another device
 * held (same phone, maybe another account) moves to it. A session from before devices has none: its
 * token gets a push-only device, as before.
 */
export async function registerDevice(env: AuthEnv, rpc: RpcContext, input: RegisterDeviceInput): Promise<DeviceCreated> {
  const caller = verifiedCaller(rpc);
  const body = webPushChecked(env, parseInput(registerDeviceSchema, input));
  const { deviceId } = caller;
  const device = await withRepos(env, (repos) =>
    deviceId !== undefined
      ? repos.users.setPushToken({ userId: caller.userId, deviceId, platform: body.platform, pushToken: body.push_token })
      : repos.users.upsertDevice({ userId: caller.userId, platform: body.platform, pushToken: body.push_token }),
  );
  // The session's device is gone only when it was deleted, which ended this session too.
  if (!device) throw new AppError("UNAUTHORIZED", "This session has ended.");
  return { device_id: device.id };
}

/**
 * A web subscription is stored in one canonical form, and in production its endpoint must be a
 * public https host (the chat worker will POST to it: no loopback or private-network targets).
 */
function webPushChecked(env: AuthEnv, body: RegisterDeviceInput): RegisterDeviceInput {
  if (body.platform !== "web") return body;
  const subscription = parseWebPushToken(body.push_token);
  if (subscription === undefined || !webPushEndpointAllowed(subscription.endpoint, !isDevelopment(env))) {
    throw new AppError("VALIDATION_ERROR", "The request is not valid.", [
      { field: "push_token", message: "The push endpoint must be a public https push service." },
    ]);
  }
  return { ...body, push_token: canonicalWebPushToken(subscription) };
}

/** Only the push token goes (push stops reaching the device); the device and its sessions stay. */
export async function removePushToken(env: AuthEnv, rpc: RpcContext, deviceIdInput: DeviceId): Promise<null> {
  const caller = verifiedCaller(rpc);
  const deviceId = parseInput(deviceIdSchema, deviceIdInput);
  const found = await withRepos(env, (repos) => repos.users.clearPushToken(caller.userId, deviceId));
  if (!found) throw new AppError("NOT_FOUND", "No such device.");
  return null;
}

export async function listDevices(env: AuthEnv, rpc: RpcContext): Promise<DeviceList> {
  const caller = verifiedCaller(rpc);
  const rows = await withRepos(env, (repos) => repos.users.listAllDevices(caller.userId));
  return { devices: rows.map((d) => deviceView(d, caller.deviceId)) };
}

/**
 * Another user's device is NOT_FOUND, exactly like an unknown id. The device's sessions end with it
 * (ON DELETE CASCADE); their ids go back so the gateway stops accepting their tokens at once. The key
 * directory's rows of the same device id (same database) are deleted too. The device counts as
 * signed out (the gateway tells the user's other devices, so their MLS groups drop its leaf).
 */
export async function deleteDevice(env: AuthEnv, rpc: RpcContext, deviceIdInput: DeviceId): Promise<DeviceDeleted> {
  const caller = verifiedCaller(rpc);
  const deviceId = parseInput(deviceIdSchema, deviceIdInput);
  const revoked = await withRepos(env, async (repos) => {
    const sessionIds = (await repos.users.findDevice(caller.userId, deviceId)) ? await repos.sessions.activeIdsForDevice(deviceId) : [];
    if (!(await repos.users.deleteDevice(caller.userId, deviceId))) return null;
    // Its E2EE keys (published under this device id, as keys/README.md asks) go too: nobody can claim them for it any more.
    await repos.keys.deleteDevice(caller.userId, deviceId);
    return sessionIds;
  });
  if (!revoked) throw new AppError("NOT_FOUND", "No such device.");
  for (const sessionId of revoked)
    log({ event: "session_revoked", user_id: caller.userId, session_id: sessionId, reason: "device_deleted", request_id: rpc.requestId });
  return { revoked_session_ids: revoked, signed_out_device_ids: [deviceId] };
}
