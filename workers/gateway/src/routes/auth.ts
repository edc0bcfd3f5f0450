import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  acceptedSchema,
  forgotPasswordSchema,
  loginSchema,
  refreshSchema,
  registerSchema,
  resetPasswordResultSchema,
  resetPasswordSchema,
  sessionListSchema,
  sessionModeHeadersSchema,
  signInAnswerSchema,
  type TokenPair,
  verifyEmailResultSchema,
  verifyEmailSchema,
  wsTicketSchema,
} from "../../../../lib/contracts/auth";
import { jwksSchema, sessionParamsSchema } from "../../../../lib/contracts/auth-rpc";
import { AppError } from "../../../../lib/errors";
import { unwrap } from "../../../../lib/result";
import { clearCookie, cookieSession, presentedCookie, requireSameSiteOrigin, sentCookieNames, wantsCookieMode } from "../cookie-session";
import { forgetSession } from "../middleware/authenticate";
import { emailAccount, refreshTokenAccount, throttleAttempt } from "../middleware/credential-throttle";
import type { GatewayApp, GatewayBindings } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
import { announceSignedOut } from "./signed-out";

const clientMeta = (c: Context<GatewayBindings>) => {
  const ua = c.req.header("user-agent");
  return ua ? { user_agent: ua.slice(0, 512) } : {};
};

const tags = ["auth"];

const cookieModeNote =
  " With `X-Session-Mode: cookie` (browsers) the refresh token is set as an HttpOnly, Secure, SameSite=Strict cookie on /v1/auth instead, and the answer is a CookieSession (no refresh_token; a csrf_token for the next refresh or logout).";

/** A sign-in's pair as the caller asked for it: in the body (bearer mode) or in a new cookie replacing any the browser sent (cookie mode). */
function answer(c: Context<GatewayBindings>, pair: TokenPair) {
  return wantsCookieMode(c) ? cookieSession(c, pair, sentCookieNames(c)) : pair;
}

const routes = {
  jwks: createRoute({
    method: "get",
    path: "/.well-known/jwks.json",
    tags,
    summary: "Public keys that verify access tokens (ES256)",
    responses: { 200: jsonResponse(jwksSchema, "Every key of the signing ring; new tokens use the newest"), ...errorResponses(503) },
  }),
  register: createRoute({
    method: "post",
    path: "/v1/auth/register",
    tags,
    summary: "Create an account; queues a verification email",
    description: `Answers the token pair.${cookieModeNote}`,
    request: { body: jsonBody(registerSchema), headers: sessionModeHeadersSchema },
    responses: { 201: jsonResponse(signInAnswerSchema, "Account created and signed in"), ...errorResponses(400, 403, 409, 413, 429) },
  }),
  login: createRoute({
    method: "post",
    path: "/v1/auth/login",
    tags,
    summary: "Sign in (unverified emails may sign in; see user.email_verified)",
    description: `Answers the token pair.${cookieModeNote}`,
    request: { body: jsonBody(loginSchema), headers: sessionModeHeadersSchema },
    responses: { 200: jsonResponse(signInAnswerSchema, "Signed in"), ...errorResponses(400, 401, 403, 413, 429) },
  }),
  refresh: createRoute({
    method: "post",
    path: "/v1/auth/refresh",
    tags,
    summary: "Rotate a refresh token; reusing a spent one revokes the session",
    description:
      "Bearer mode: the body carries refresh_token. Cookie mode (`X-Session-Mode: cookie`, no body): the refresh token comes from the HttpOnly cookie and is rotated in it; the request must come from the app's origin (Origin header) with `X-CSRF-Token` = the last answer's csrf_token, else 403 FORBIDDEN; no cookie, or a spent one, is 401 and clears the cookie.",
    request: { body: { ...jsonBody(refreshSchema), required: false }, headers: sessionModeHeadersSchema },
    responses: { 200: jsonResponse(signInAnswerSchema, "A new token pair (or cookie session)"), ...errorResponses(400, 401, 403, 429) },
  }),
  logout: createRoute({
    method: "post",
    path: "/v1/auth/logout",
    tags,
    summary: "Revoke the caller's session",
    description:
      "With `X-Session-Mode: cookie` it also clears the refresh cookie; the same Origin and X-CSRF-Token checks as a cookie-mode refresh apply (403).",
    ...authed,
    request: { headers: sessionModeHeadersSchema },
    responses: { 204: { description: "Signed out; the session's tokens stop working" }, ...errorResponses(401, 403, 429) },
  }),
  verifyEmail: createRoute({
    method: "post",
    path: "/v1/auth/verify-email",
    tags,
    summary: "Confirm an email address with the emailed token",
    request: { body: jsonBody(verifyEmailSchema) },
    responses: { 200: jsonResponse(verifyEmailResultSchema, "Email verified"), ...errorResponses(400) },
  }),
  resendVerification: createRoute({
    method: "post",
    path: "/v1/auth/resend-verification",
    tags,
    summary: "Queue a new verification email for the caller",
    ...authed,
    responses: { 202: jsonResponse(acceptedSchema, "Queued (or already verified)"), ...errorResponses(401, 429) },
  }),
  forgotPassword: createRoute({
    method: "post",
    path: "/v1/auth/forgot-password",
    tags,
    summary: "Email a reset token; answers 202 whether or not the email exists",
    request: { body: jsonBody(forgotPasswordSchema) },
    responses: { 202: jsonResponse(acceptedSchema, "Accepted"), ...errorResponses(400, 429) },
  }),
  resetPassword: createRoute({
    method: "post",
    path: "/v1/auth/reset-password",
    tags,
    summary: "Set a new password with the emailed token; revokes every session",
    request: { body: jsonBody(resetPasswordSchema) },
    responses: { 200: jsonResponse(resetPasswordResultSchema, "Password changed; sign in again"), ...errorResponses(400) },
  }),
  sessions: createRoute({
    method: "get",
    path: "/v1/auth/sessions",
    tags,
    summary: "The caller's active sessions",
    ...authed,
    responses: { 200: jsonResponse(sessionListSchema, "Active sessions, most recently used first"), ...errorResponses(401, 429) },
  }),
  revokeSession: createRoute({
    method: "delete",
    path: "/v1/auth/sessions/{session_id}",
    tags,
    summary: "Revoke one of the caller's sessions",
    ...authed,
    request: { params: sessionParamsSchema },
    responses: { 204: { description: "Revoked" }, ...errorResponses(401, 404, 429) },
  }),
  wsTicket: createRoute({
    method: "post",
    path: "/v1/ws/ticket",
    tags: ["websockets"],
    summary: "A single-use WebSocket ticket (60 s)",
    ...authed,
    responses: { 201: jsonResponse(wsTicketSchema, "Pass as ?ticket= on /v1/ws/chat or /v1/ws/signaling"), ...errorResponses(401, 429) },
  }),
};

/** The body is optional on the route (cookie mode has none); bearer mode still needs its refresh_token. */
function bearerRefreshToken(body: unknown): string {
  const parsed = refreshSchema.safeParse(body);
  if (!parsed.success)
    throw new AppError("VALIDATION_ERROR", "The request is not valid.", [{ field: "refresh_token", message: "Required (or use X-Session-Mode: cookie)." }]);
  return parsed.data.refresh_token;
}

export function registerAuthRoutes(app: GatewayApp): void {
  app.openapi(routes.jwks, async (c) => {
    const jwks = unwrap(await c.env.AUTH.jwks(c.get("rpc")));
    return c.json(jwksSchema.parse(jwks), 200, { "Cache-Control": "public, max-age=300" });
  });
  app.openapi(routes.register, async (c) => {
    const body = c.req.valid("json");
    if (wantsCookieMode(c)) requireSameSiteOrigin(c);
    await throttleAttempt(c, "register", emailAccount(body.email));
    return c.json(answer(c, unwrap(await c.env.AUTH.register(c.get("rpc"), body, clientMeta(c)))), 201);
  });
  app.openapi(routes.login, async (c) => {
    const body = c.req.valid("json");
    if (wantsCookieMode(c)) requireSameSiteOrigin(c);
    await throttleAttempt(c, "login", emailAccount(body.email));
    return c.json(answer(c, unwrap(await c.env.AUTH.login(c.get("rpc"), body, clientMeta(c)))), 200);
  });
  app.openapi(routes.refresh, async (c) => {
    const cookie = wantsCookieMode(c) ? presentedCookie(c) : null;
    const refreshToken = cookie ? cookie.refreshToken : bearerRefreshToken(c.req.valid("json"));
    await throttleAttempt(c, "refresh", await refreshTokenAccount(refreshToken));
    const refreshed = await c.env.AUTH.refresh(c.get("rpc"), { refresh_token: refreshToken });
    if (!cookie) return c.json(unwrap(refreshed), 200);
    // A spent or revoked cookie is of no use to anyone: drop exactly it with the 401 (a newer one stays).
    // Any other failure (the auth worker unavailable) leaves it: it may still be good.
    if (!refreshed.ok && refreshed.error.code === "UNAUTHORIZED") clearCookie(c, cookie.name);
    return c.json(cookieSession(c, unwrap(refreshed), [cookie.name]), 200);
  });
  app.openapi(routes.logout, async (c) => {
    const rpc = caller(c);
    if (wantsCookieMode(c)) clearCookie(c, presentedCookie(c).name);
    const { session_id, signed_out_device_ids } = unwrap(await c.env.AUTH.logout(rpc));
    forgetSession(session_id);
    announceSignedOut(c, rpc, signed_out_device_ids);
    return c.body(null, 204);
  });
  app.openapi(routes.verifyEmail, async (c) => c.json(unwrap(await c.env.AUTH.verifyEmail(c.get("rpc"), c.req.valid("json"))), 200));
  app.openapi(routes.resendVerification, async (c) => {
    const rpc = caller(c);
    await throttleAttempt(c, "resend_verification", rpc.userId);
    unwrap(await c.env.AUTH.resendVerification(rpc));
    return c.json({ status: "accepted" as const }, 202);
  });
  app.openapi(routes.forgotPassword, async (c) => {
    const body = c.req.valid("json");
    await throttleAttempt(c, "forgot_password", emailAccount(body.email));
    unwrap(await c.env.AUTH.forgotPassword(c.get("rpc"), body));
    return c.json({ status: "accepted" as const }, 202);
  });
  app.openapi(routes.resetPassword, async (c) => {
    const { revoked_session_ids } = unwrap(await c.env.AUTH.resetPassword(c.get("rpc"), c.req.valid("json")));
    for (const id of revoked_session_ids) forgetSession(id);
    return c.json({ status: "password_reset" as const }, 200);
  });
  app.openapi(routes.sessions, async (c) => c.json(unwrap(await c.env.AUTH.listSessions(caller(c))), 200));
  app.openapi(routes.revokeSession, async (c) => {
    const rpc = caller(c);
    const { session_id, signed_out_device_ids } = unwrap(await c.env.AUTH.revokeSession(rpc, c.req.valid("param").session_id));
    forgetSession(session_id);
    announceSignedOut(c, rpc, signed_out_device_ids);
    return c.body(null, 204);
  });
  app.openapi(routes.wsTicket, async (c) => c.json(unwrap(await c.env.AUTH.issueTicket(caller(c))), 201));
}
