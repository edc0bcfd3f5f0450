import { sfuAnswerSchema, type SfuAnswer } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { UPSTREAM_TIMEOUT_MS, type GroupProvider } from "../config";

type SfuConfig = Extract<GroupProvider, { kind: "sfu" }>;

/**
 * The Cloudflare Realtime SFU HTTP API (`/apps/{appId}/sessions/...`), called with the app secret
 * that never leaves this worker. Cloudflare's answers map onto our error codes so a client sees
 * one contract: its own bad SDP/track is 400, an unknown session 404, and anything that is our
 * configuration or Cloudflare's fault 503 (logged with the upstream status, never the secret).
 */
export async function callRealtime(
  config: SfuConfig,
  request: { method: "POST" | "PUT"; path: string; body: unknown; operation: string },
  requestId: string,
): Promise<SfuAnswer> {
  const url = `${config.apiBase}/apps/${encodeURIComponent(config.appId)}${request.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: { authorization: `Bearer ${config.appSecret}`, "content-type": "application/json" },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch {
    log({ event: "provider_failure", provider: "sfu", operation: request.operation, status: 0, request_id: requestId }, "error");
    throw new AppError("SERVICE_UNAVAILABLE", "The media service cannot be reached.");
  }
  const parsed = sfuAnswerSchema.safeParse(await response.json().catch(() => null));
  const answer = parsed.success ? parsed.data : null;
  if (response.ok && answer && !answer.errorCode) return answer;

  log({ event: "provider_failure", provider: "sfu", operation: request.operation, status: response.status, request_id: requestId }, "warn");
  const upstreamCode = answer?.errorCode ?? "unknown_error";
  if (response.status === 404) throw new AppError("NOT_FOUND", "The media session does not exist (any more).");
  if (response.status === 400 || response.status === 406 || response.status === 409 || response.status === 422 || (response.ok && answer?.errorCode)) {
    throw new AppError("BAD_REQUEST", `The media service refused the request (${upstreamCode}).`);
  }
  throw new AppError("SERVICE_UNAVAILABLE", "The media service is not available.");
}
