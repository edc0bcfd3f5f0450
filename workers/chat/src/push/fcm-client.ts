/**
 * One FCM HTTP v1 send (`POST {base}/v1/projects/{id}/messages:send`) and the classification of
 * its answer, following FCM's documented error codes:
 *   UNREGISTERED (404), INVALID_ARGUMENT naming the token (400), SENDER_ID_MISMATCH (403)
 *     → the token is dead: the device is deleted;
 *   QUOTA_EXCEEDED (429), UNAVAILABLE (503), INTERNAL (500), other 5xx, network errors
 *     → retried, honouring Retry-After;
 *   UNAUTHENTICATED (401) → the cached OAuth token is dropped and the send retried;
 *   any other 4xx → our message is wrong: dropped and logged (retrying cannot fix it).
 */
import * as z from "zod";
import { parseRetryAfter } from "../../../../lib/queue-delivery";
import type { FcmSettings } from "./config";
import type { FcmMessage } from "./message";

export type FcmResult =
  | { ok: true }
  | { ok: false; kind: "token_invalid" | "permanent"; status: number; errorCode: string }
  | { ok: false; kind: "retry" | "unauthenticated"; status: number; errorCode: string; retryAfterSeconds?: number };

const errorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          "@type": z.string().optional(),
          errorCode: z.string().optional(),
          fieldViolations: z.array(z.looseObject({ field: z.string().optional() })).optional(),
        }),
      )
      .optional(),
  }),
});

function describe(body: unknown): { errorCode: string; tokenFault: boolean } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { errorCode: "UNKNOWN", tokenFault: false };
  const { error } = parsed.data;
  const details = error.details ?? [];
  const errorCode = details.find((d) => d.errorCode !== undefined)?.errorCode ?? error.status ?? "UNKNOWN";
  const namesToken = details.some((d) => d.fieldViolations?.some((v) => v.field === "message.token")) || /registration token/i.test(error.message ?? "");
  return { errorCode, tokenFault: namesToken };
}

export async function sendFcm(settings: FcmSettings, accessToken: string, message: FcmMessage): Promise<FcmResult> {
  const url = `${settings.apiBase}/v1/projects/${encodeURIComponent(settings.account.project_id)}/messages:send`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ message }),
    });
  } catch {
    return { ok: false, kind: "retry", status: 0, errorCode: "NETWORK" };
  }
  if (res.ok) {
    await res.body?.cancel();
    return { ok: true };
  }
  const { errorCode, tokenFault } = describe(await res.json().catch(() => null));
  const retryAfterSeconds = parseRetryAfter(res.headers.get("retry-after"));
  const status = res.status;
  if (errorCode === "UNREGISTERED" || errorCode === "SENDER_ID_MISMATCH" || (status === 400 && tokenFault)) {
    return { ok: false, kind: "token_invalid", status, errorCode };
  }
  if (status === 401) return { ok: false, kind: "unauthenticated", status, errorCode };
  if (status === 429 || status >= 500) {
    return { ok: false, kind: "retry", status, errorCode, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  return { ok: false, kind: "permanent", status, errorCode };
}
