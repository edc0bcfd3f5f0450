/**
 * The hourly cron: removes credentials that can never work again (expired WebSocket tickets, spent
 * or expired email tokens, expired refresh tokens). Spent refresh tokens are kept until they
 * expire, because presenting one is how reuse is detected.
 */
import { withRepos } from "./repos";

export async function purgeExpiredCredentials(env: AuthEnv): Promise<void> {
  await withRepos(env, (repos) => repos.sessions.purgeExpired());
}
