import { createRoute } from "@hono/zod-openapi";
import { acceptedSchema, verifyEmailResultSchema } from "../../../../lib/contracts/auth";
import { changeEmailSchema, changePasswordResultSchema, changePasswordSchema, confirmEmailChangeSchema } from "../../../../lib/contracts/credentials";
import { unwrap } from "../../../../lib/result";
import { forgetSession } from "../middleware/authenticate";
import { throttleAttempt } from "../middleware/credential-throttle";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
import { announceSignedOut } from "./signed-out";

/** Changing the password or email of the signed-in account (auth worker, src/credentials.ts). */
const tags = ["auth"];

const routes = {
  changePassword: createRoute({
    method: "post",
    path: "/v1/auth/change-password",
    tags,
    summary: "Change the password (the current one required); every other session is signed out",
    ...authed,
    request: { body: jsonBody(changePasswordSchema) },
    responses: {
      200: jsonResponse(changePasswordResultSchema, "Changed; this session stays signed in"),
      ...errorResponses(400, 401, 429),
    },
  }),
  changeEmail: createRoute({
    method: "post",
    path: "/v1/auth/change-email",
    tags,
    summary: "Ask to move the account to a new email: a confirmation goes to the new address, nothing changes until it comes back",
    ...authed,
    request: { body: jsonBody(changeEmailSchema) },
    responses: {
      202: jsonResponse(acceptedSchema, "Confirmation mailed to the new address"),
      ...errorResponses(400, 401, 409, 429, 503),
    },
  }),
  confirmEmailChange: createRoute({
    method: "post",
    path: "/v1/auth/confirm-email-change",
    tags,
    summary: "Complete an email change with the token mailed to the new address; the old address is told",
    request: { body: jsonBody(confirmEmailChangeSchema) },
    responses: {
      200: jsonResponse(verifyEmailResultSchema, "The account's email is now the new, verified address"),
      ...errorResponses(400, 409, 429),
    },
  }),
};

export function registerCredentialsRoutes(app: GatewayApp): void {
  app.openapi(routes.changePassword, async (c) => {
    const rpc = caller(c);
    await throttleAttempt(c, "change_password", rpc.userId);
    const { revoked_session_ids, signed_out_device_ids } = unwrap(await c.env.AUTH.changePassword(rpc, c.req.valid("json")));
    for (const id of revoked_session_ids) forgetSession(id);
    announceSignedOut(c, rpc, signed_out_device_ids);
    return c.json({ status: "password_changed" as const, revoked_sessions: revoked_session_ids.length }, 200);
  });
  app.openapi(routes.changeEmail, async (c) => {
    const rpc = caller(c);
    await throttleAttempt(c, "change_email", rpc.userId);
    unwrap(await c.env.AUTH.requestEmailChange(rpc, c.req.valid("json")));
    return c.json({ status: "accepted" as const }, 202);
  });
  app.openapi(routes.confirmEmailChange, async (c) => {
    await throttleAttempt(c, "confirm_email_change", undefined);
    return c.json(unwrap(await c.env.AUTH.confirmEmailChange(c.get("rpc"), c.req.valid("json"))), 200);
  });
}
