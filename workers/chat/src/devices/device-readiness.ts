import type { KeyPackageCount } from "../../../../lib/contracts/mls";

/**
 * When a device becomes one the user's other devices should add to their MLS groups: the first
 * time, in a session, that it touches its KeyPackage directory (an upload, or the count the SDK
 * asks for before topping up) while holding a package someone can claim. Announcing at sign-in
 * instead would come before its first upload, and the adders would find nothing to claim. The
 * session is kept in the `state` row (DEVICE_ROOM_MIGRATIONS step 4), so an app that restarts
 * within a session announces nothing, and signing in again (a new session) announces again.
 */
export class DeviceReadiness {
  constructor(private readonly sql: SqlStorage) {}

  /** This device's id when it is ready in a session not announced before (recording the session), else null. */
  newlyReady(sessionId: string | undefined, count: KeyPackageCount): string | null {
    if (sessionId === undefined || (count.key_packages === 0 && !count.last_resort)) return null;
    const row = this.sql
      .exec<{ device_id: string | null }>("UPDATE state SET ready_session_id = ? WHERE ready_session_id IS NOT ? RETURNING device_id", sessionId, sessionId)
      .toArray()[0];
    return row?.device_id ?? null;
  }
}
