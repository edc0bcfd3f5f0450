/**
 * `DELETE /v1/users/me`: the password again, then at once every session ends and the profile is a
 * "Deleted account" tombstone (email and username free again); the erasure of everything else is
 * queued (ACCOUNT queue, consumed by chat: workers/chat/src/accounts/README.md).
 */
import { deleteAccountSchema, type AccountDeleted, type DeleteAccountInput } from "../../../lib/contracts/account";
import { accountJobSchema } from "../../../lib/contracts/queues";
import { AppError } from "../../../lib/errors";
import { describeError, log } from "../../../lib/log";
import { parseInput, verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { authMetric } from "./metrics";
import { verifyPassword } from "./password";
import { withRepos } from "./repos";

export async function deleteAccount(env: AuthEnv, rpc: RpcContext, input: DeleteAccountInput): Promise<AccountDeleted> {
  const caller = verifiedCaller(rpc);
  const { password } = parseInput(deleteAccountSchema, input);
  return withRepos(env, async (repos) => {
    const user = await repos.users.findById(caller.userId);
    if (!user || user.deletedAt !== null) throw new AppError("UNAUTHORIZED", "This session has ended.");
    if (!(await verifyPassword(password, user.passwordHash)).valid) {
      log({ event: "auth_failure", reason: "delete_account_password", user_id: user.id, request_id: rpc.requestId }, "warn");
      authMetric(env, "delete_account", "invalid_credentials");
      throw new AppError("INVALID_CREDENTIALS", "The password is incorrect.");
    }
    // Queued before the deletion is written: a queue outage fails the request with nothing changed
    // (the user can retry), and a job whose deletion never landed is dropped by the consumer.
    const job = accountJobSchema.parse({
      kind: "erase_account",
      user_id: user.id,
      step: "devices",
      pass: 1,
      idempotency_key: `erase:${user.id}:start`,
      request_id: rpc.requestId,
    });
    try {
      await env.ACCOUNT_QUEUE.send(job, { contentType: "json" });
    } catch (err) {
      log({ event: "unhandled_error", where: "auth.deleteAccount.enqueue", error: describeError(err), request_id: rpc.requestId }, "error");
      throw new AppError("SERVICE_UNAVAILABLE", "The account could not be deleted right now; try again.");
    }
    const deleted = await repos.accounts.markDeleted(user.id);
    // Null only when a racing deletion of the same account won: that one revoked the sessions.
    const revoked = deleted?.revokedSessionIds ?? [];
    log({ event: "account_deleted", user_id: user.id, sessions_revoked: revoked.length, request_id: rpc.requestId });
    authMetric(env, "delete_account", "success");
    return { revoked_session_ids: revoked };
  });
}
