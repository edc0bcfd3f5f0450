import * as z from "zod";

/** Every error code of the public API, with the HTTP status it travels with. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  EMAIL_NOT_VERIFIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  /** A JSON route sent another content type (or none). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const errorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const errorDetailSchema = z.object({
  field: z.string().optional(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof errorDetailSchema>;

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: errorCodeSchema,
      message: z.string(),
      request_id: z.string(),
      details: z.array(errorDetailSchema).optional(),
    }),
  })
  .meta({ id: "Error" });

/** A failure that is part of the contract: it crosses RPC as a value and becomes the error envelope. */
export interface AppErrorShape {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  /** Seconds, for RATE_LIMITED. */
  retryAfter?: number;
}

/** Thrown inside one worker's own layers (never across RPC) and turned into the envelope at the edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: ErrorDetail[];
  readonly retryAfter?: number;
  constructor(code: ErrorCode, message: string, details?: ErrorDetail[], retryAfter?: number) {
    super(message);
    this.name = "AppError";
    this.code = code;
    if (details) this.details = details;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }
  static from(shape: AppErrorShape): AppError {
    return new AppError(shape.code, shape.message, shape.details, shape.retryAfter);
  }
  toShape(): AppErrorShape {
    return {
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.retryAfter !== undefined ? { retryAfter: this.retryAfter } : {}),
    };
  }
}

export function statusOf(code: ErrorCode): ErrorStatus {
  return ERROR_STATUS[code];
}

export function errorBody(shape: AppErrorShape, requestId: string) {
  return {
    error: {
      code: shape.code,
      message: shape.message,
      request_id: requestId,
      ...(shape.details && shape.details.length > 0 ? { details: shape.details } : {}),
    },
  };
}

/** Turns zod issues into one detail per bad field. */
export function detailsFromZod(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join(".") : undefined,
    message: issue.message,
  }));
}
