/**
 * Runs `task` while holding a lock every tab of this origin shares (Web Locks API), so two tabs
 * never refresh one cookie session at once: rotation makes the second refresh a reuse, which
 * revokes the session. Where the API does not exist (React Native, Node) there is one "tab" and
 * AuthSession's own single flight is enough.
 */
type LockManagerLike = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };

export function withCrossTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ? locks.request(name, task) : task();
}
