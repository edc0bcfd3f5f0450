/** Register and login: the two ways a session starts. */
import {
  clientMetaSchema,
  loginSchema,
  registerSchema,
  type ClientMeta,
  type LoginInput,
  type RegisterInput,
  type TokenPair,
} from "../../../lib/contracts/auth";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { authMetric } from "./metrics";
import { parseInput, type RpcContext } from "../../../lib/rpc";
import { sendVerification } from "./email-flows";
import { keyRing } from "./keys";
import { burnPasswordCheck, hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "./password";
import { withRepos } from "./repos";
import { openSession } from "./sessions";

export async function register(env: AuthEnv, rpc: RpcContext, input: RegisterInput, metaInput: ClientMeta | undefined): Promise<TokenPair> {
  const body = parseInput(registerSchema, input);
  const meta = parseInput(clientMetaSchema, metaInput ?? {});
  // A misconfigured key ring must fail before the account exists, or a retry would meet CONFLICT.
  await keyRing(env.JWT_SIGNING_KEYS);
  const passwordHash = await hashPassword(body.password);
  return withRepos(env, async (repos) => {
    const created = await repos.users.create({
      email: body.email,
      username: body.username,
      displayName: body.display_name ?? body.username,
      passwordHash,
    });
    if (!created.ok) {
      authMetric(env, "register", "conflict");
      throw new AppError("CONFLICT", `That ${created.conflict} is already taken.`, [{ field: created.conflict, message: "already taken" }]);
    }
    await sendVerification(env, repos, rpc, created.user);
    authMetric(env, "register", "success");
    return openSession(env, repos, rpc, created.user, meta, body, "register");
  });
}

/**
 * An unknown email and a wrong password answer the same INVALID_CREDENTIALS after the same
 * amount of hashing work. Unverified emails may log in (clients read `email_verified`).
 */
export async function login(env: AuthEnv, rpc: RpcContext, input: LoginInput, metaInput: ClientMeta | undefined): Promise<TokenPair> {
  const body = parseInput(loginSchema, input);
  const meta = parseInput(clientMetaSchema, metaInput ?? {});
  return withRepos(env, async (repos) => {
    const user = await repos.users.findByEmail(body.email);
    if (!user) {
      await burnPasswordCheck(body.password);
      log({ event: "auth_failure", reason: "login_failed", request_id: rpc.requestId }, "warn");
      authMetric(env, "login", "invalid_credentials");
      throw new AppError("INVALID_CREDENTIALS", "Email or password is incorrect.");
    }
    const check = await verifyPassword(body.password, user.passwordHash);
    if (!check.valid) {
      log({ event: "auth_failure", reason: "login_failed", user_id: user.id, request_id: rpc.requestId }, "warn");
      authMetric(env, "login", "invalid_credentials");
      throw new AppError("INVALID_CREDENTIALS", "Email or password is incorrect.");
    }
    if (check.needsRehash) {
      await repos.users.setPasswordHash(user.id, await hashPassword(body.password));
      log({ event: "auth_password_rehashed", user_id: user.id, iterations: PBKDF2_ITERATIONS, request_id: rpc.requestId });
    }
    authMetric(env, "login", "success");
    return openSession(env, repos, rpc, user, meta, body, "login");
  });
}
