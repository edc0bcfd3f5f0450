import type { ErrorCode, ErrorEnvelope } from "./types";

/** Any non-2xx answer of the API, carrying the envelope's fields (`code` is the contract's error code). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "NETWORK_ERROR",
    message: string,
    readonly requestId: string | null = null,
    readonly details: ErrorEnvelope["error"]["details"] = undefined,
    /** Seconds, from `Retry-After` on 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** Builds the error from a failed response, tolerating bodies that are not our envelope (a proxy's 502). */
  static async fromResponse(res: Response): Promise<ApiError> {
    const retry = Number(res.headers.get("retry-after"));
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
    const text = await res.text().catch(() => "");
    const envelope = parseEnvelope(text);
    if (envelope) {
      const { code, message, request_id, details } = envelope.error;
      return new ApiError(res.status, code, message, request_id, details, retryAfter);
    }
    const code: ErrorCode = res.status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
    return new ApiError(res.status, code, `HTTP ${res.status}`, res.headers.get("x-request-id"), undefined, retryAfter);
  }
}

function parseEnvelope(text: string): ErrorEnvelope | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || !("error" in value)) return null;
    const error: unknown = value.error;
    if (typeof error !== "object" || error === null || !("code" in error) || typeof error.code !== "string") return null;
    return value as ErrorEnvelope;
  } catch {
    return null;
  }
}
