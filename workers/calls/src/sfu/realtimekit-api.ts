import * as z from "zod";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { UPSTREAM_TIMEOUT_MS, type GroupProvider } from "../config";

type KitConfig = Extract<GroupProvider, { kind: "realtimekit" }>;

/** RealtimeKit answers `{ success, data }` on success and `{ success: false, error: { code, message } }` otherwise. */
const meetingAnswer = z.object({ success: z.literal(true), data: z.object({ id: z.string().min(1) }).loose() });
const participantAnswer = z.object({ success: z.literal(true), data: z.object({ id: z.string().min(1), token: z.string().min(1) }).loose() });

async function callKit<T>(config: KitConfig, path: string, body: unknown, schema: z.ZodType<T>, operation: string, requestId: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${config.apiBase}${path}`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${config.orgId}:${config.apiKey}`)}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch {
    log({ event: "provider_failure", provider: "realtimekit", operation, status: 0, request_id: requestId }, "error");
    throw new AppError("SERVICE_UNAVAILABLE", "The meeting service cannot be reached.");
  }
  const parsed = schema.safeParse(await response.json().catch(() => null));
  if (response.ok && parsed.success) return parsed.data;
  log({ event: "provider_failure", provider: "realtimekit", operation, status: response.status, request_id: requestId }, "error");
  throw new AppError("SERVICE_UNAVAILABLE", "The meeting service is not available.");
}

/** One RealtimeKit meeting per call; its title is the call id so an operator can find it. */
export async function createMeeting(config: KitConfig, callId: string, requestId: string): Promise<string> {
  const answer = await callKit(config, "/meetings", { title: `call ${callId}` }, meetingAnswer, "create-meeting", requestId);
  return answer.data.id;
}

/**
 * Adds a user to the meeting and returns their SDK auth token. `custom_participant_id` is our user
 * id, so a user re-joining from another device is the same participant to RealtimeKit.
 */
export async function addParticipant(config: KitConfig, meetingId: string, userId: string, requestId: string): Promise<string> {
  const body = { custom_participant_id: userId, preset_name: config.preset, name: userId };
  const answer = await callKit(config, `/meetings/${encodeURIComponent(meetingId)}/participants`, body, participantAnswer, "add-participant", requestId);
  return answer.data.token;
}
