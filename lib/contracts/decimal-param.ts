import * as z from "zod";

/**
 * Numbers in query strings and path segments are decimal digits and nothing else. `Number()` and
 * `z.coerce.number()` also read `0x10`, `1e3`, ` 16`, `+16` and `16.0`, so one value would have
 * many spellings (and cache keys, and log lines); those are 400 VALIDATION_ERROR instead.
 */
const DECIMAL_DIGITS = /^[0-9]+$/;

/** The one digits check (URLs, headers, signed query strings): 1 to `maxDigits` of 0-9 and nothing else. */
export function isDecimalDigits(text: string, maxDigits = 16): boolean {
  return text.length <= maxDigits && DECIMAL_DIGITS.test(text);
}

/**
 * An integer parameter within [min, max]: decimal digits when it comes from a URL, or the number
 * itself when a service re-validates what the gateway already parsed (RPC inputs use the same schema).
 * Documented in /openapi.json as an integer with its bounds.
 */
export function decimalIntegerParam(bounds: { min: number; max: number }) {
  return z.preprocess(
    (value) => (typeof value === "string" ? (isDecimalDigits(value) ? Number(value) : Number.NaN) : value),
    z.number({ error: "decimal digits only" }).int().min(bounds.min).max(bounds.max),
  );
}

/** A message sequence number (`since_seq`, `before_seq`, `after_seq`, `{seq}`): 0 or more. */
export const seqParamSchema = decimalIntegerParam({ min: 0, max: Number.MAX_SAFE_INTEGER });
