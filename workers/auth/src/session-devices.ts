/** The device a sign-in (register, login) binds its session to. */
import type { DeviceSignIn } from "../../../lib/contracts/auth";
import type { DeviceRow } from "../../../lib/db/rows";
import type { AuthRepos } from "./repos";

/**
 * The caller's own device when `device_id` names one (re-sign-in: last seen, and name/platform if
 * given, are refreshed); otherwise a new device. Another user's or an unknown id is not an error:
 * it gets a new device, so a guessed id reveals nothing and binds nothing.
 */
export async function signInDevice(repos: AuthRepos, userId: string, input: DeviceSignIn): Promise<DeviceRow> {
  const known = input.device_id !== undefined ? await repos.users.findDevice(userId, input.device_id) : null;
  if (!known) return repos.users.createDevice({ userId, platform: input.platform ?? "web", name: input.device_name ?? null });
  const patch = {
    ...(input.device_name !== undefined ? { name: input.device_name } : {}),
    ...(input.platform !== undefined ? { platform: input.platform } : {}),
  };
  await repos.users.touchDevice(known.id, patch);
  return { ...known, ...patch };
}

/** A session opened before devices gets one on its first refresh, so every token minted now carries `did`. */
export async function deviceOfSession(repos: AuthRepos, session: { id: string; userId: string; deviceId: string | null }): Promise<string> {
  if (session.deviceId !== null) {
    await repos.users.touchDevice(session.deviceId);
    return session.deviceId;
  }
  const device = await repos.users.createDevice({ userId: session.userId, platform: "web" });
  await repos.sessions.bindDevice(session.id, device.id);
  return device.id;
}
