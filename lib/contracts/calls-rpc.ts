import * as z from "zod";
import { callIdSchema, type callListResponseSchema, type callResponseSchema, sfuSessionIdSchema } from "./calls";

/**
 * CallsService's RPC surface beyond the HTTP shapes in ./calls (initiate, history and the SFU
 * request are its inputs as they are): the call a method acts on, its outputs, and the gateway's
 * path parameters.
 */

export const callParamsSchema = z.object({ id: callIdSchema });
export const sfuSessionParamsSchema = z.object({ id: callIdSchema, session_id: sfuSessionIdSchema });

/** join, decline, leave, end, get. */
export const callTargetSchema = z.object({ callId: callIdSchema });
export type CallTarget = z.infer<typeof callTargetSchema>;

export type CallResponse = z.infer<typeof callResponseSchema>;
export type CallList = z.infer<typeof callListResponseSchema>;
