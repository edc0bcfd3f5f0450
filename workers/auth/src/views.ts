/** Rows → the API's snake_case shapes. The only place the wire format of auth resources is built. */
import type { SessionView } from "../../../lib/contracts/auth";
import type { DeviceView, PublicUserView, UserView } from "../../../lib/contracts/users";
import type { DeviceRow, Session, User } from "../../../lib/db/rows";

export function userView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    avatar_file_id: user.avatarFileId,
    email_verified: user.emailVerified,
    created_at: user.createdAt,
  };
}

export function publicUserView(user: User): PublicUserView {
  const deleted = user.deletedAt !== null;
  return {
    id: user.id,
    username: deleted ? null : user.username,
    display_name: user.displayName,
    avatar_file_id: user.avatarFileId,
    created_at: user.createdAt,
    deleted,
  };
}

export function sessionView(session: Session, currentSessionId: string | undefined): SessionView {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    user_agent: session.userAgent,
    current: session.id === currentSessionId,
  };
}

export function deviceView(device: DeviceRow, currentDeviceId: string | undefined): DeviceView {
  return {
    device_id: device.id,
    platform: device.platform,
    name: device.name,
    created_at: device.createdAt,
    last_seen_at: device.lastSeenAt,
    has_push_token: device.pushToken !== null,
    current: device.id === currentDeviceId,
  };
}
