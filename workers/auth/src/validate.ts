import type * as z from "zod";
import { AppError, detailsFromZod } from "../../../lib/errors";

/** RPC inputs are validated again inside the service: the gateway is trusted, shapes are not. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  return parsed.data;
}
