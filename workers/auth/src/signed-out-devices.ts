import type { AuthRepos } from "./repos";

/**
 * Of these devices (those of sessions a revocation just ended), the ones left with no live session:
 * they are signed out, so they are no longer listed for their user's MLS groups. The gateway passes
 * them to the chat worker, which tells the user's other devices (workers/chat/src/devices/device-announce.ts).
 */
export async function signedOutDevices(repos: AuthRepos, deviceIds: readonly (string | null)[]): Promise<string[]> {
  const unique = [...new Set(deviceIds.filter((id): id is string => id !== null))];
  const live = await Promise.all(unique.map((id) => repos.sessions.activeIdsForDevice(id)));
  return unique.filter((_, i) => (live[i]?.length ?? 0) === 0);
}
