import type { BrowserContext, Request, Route } from "playwright-core";
import { z } from "zod";
import { toBase64Url } from "../client/src/e2ee/bytes";
import { MLS_APPLICATION } from "../client/src/e2ee/conversation-group";
import { tsMlsEngine } from "../client/src/e2ee/mls-adapter";
import { keyPackageClaimResultSchema } from "../lib/contracts/mls";

/**
 * What an attacker between the server and one device (or a hostile server) could do, played on one
 * browser profile with Playwright's routing: the request goes to the real stack and its real answer
 * is altered before the app sees it. Nothing of the app or the SDK is replaced.
 */

/** A message-history page: only the fields altered here are named, everything else passes through. */
const historySchema = z.looseObject({
  messages: z.array(z.looseObject({ seq: z.number(), content_type: z.string().nullish(), ciphertext: z.string().nullish() })),
});

/** A context-wide route (the app's fetches and its service worker's) for one path and method, undone by the returned function. */
async function intercept(
  context: BrowserContext,
  method: string,
  path: string,
  handle: (route: Route, request: Request) => Promise<void>,
): Promise<() => Promise<void>> {
  const matches = (url: URL) => url.pathname === path;
  const handler = async (route: Route, request: Request) => {
    if (request.method() !== method) return route.fallback();
    return handle(route, request);
  };
  await context.route(matches, handler);
  return () => context.unroute(matches, handler);
}

/**
 * On this device, the first MLS application message after `afterSeq` in the conversation's history
 * (GET /v1/conversations/{id}/messages, how the app catches up on a conversation it is not showing)
 * arrives with one ciphertext byte flipped, every time it is fetched. Real: the message Alice's
 * device encrypted and the room stored. Altered: one bit of one byte, in this device's copy only.
 */
export async function flipCiphertextByte(context: BrowserContext, conversationId: string, afterSeq: number) {
  let tampered: number | null = null;
  const stop = await intercept(context, "GET", `/v1/conversations/${conversationId}/messages`, async (route) => {
    const response = await route.fetch();
    const page = historySchema.parse(await response.json());
    for (const message of page.messages) {
      if (!message.ciphertext || message.content_type !== MLS_APPLICATION) continue;
      if (tampered === null && message.seq > afterSeq) tampered = message.seq;
      if (message.seq !== tampered) continue;
      const bytes = Buffer.from(message.ciphertext, "base64url");
      const at = bytes.length - 10;
      bytes[at] = (bytes[at] ?? 0) ^ 0x40;
      message.ciphertext = bytes.toString("base64url");
    }
    await route.fulfill({ response, json: page });
  });
  return { tamperedSeq: () => tampered, stop };
}

/**
 * On this device, every KeyPackage the directory hands out for `userId`'s devices (POST
 * /v1/mls/key-packages/claim) is swapped for another valid one naming the same user and device but
 * signed by a key that device never had: what a hostile directory would do to read along. Real: the
 * claim and every other package in its answer. Altered: that user's packages, made here with the SDK's
 * own MLS engine. Returns the device ids it substituted.
 */
export async function substituteKeyPackages(context: BrowserContext, userId: string) {
  const substituted: string[] = [];
  const stop = await intercept(context, "POST", "/v1/mls/key-packages/claim", async (route) => {
    const response = await route.fetch();
    const claimed = keyPackageClaimResultSchema.parse(await response.json());
    for (const entry of claimed.key_packages) {
      if (entry.user_id !== userId) continue;
      const identity = await tsMlsEngine.generateIdentity();
      const forged = await tsMlsEngine.createKeyPackage(identity, { userId: entry.user_id, deviceId: entry.device_id });
      entry.key_package = toBase64Url(forged.publicBytes);
      substituted.push(entry.device_id);
    }
    await route.fulfill({ response, json: claimed });
  });
  return { substituted, stop };
}

/**
 * On this device, the conversation's history answers `ms` late, once: the app is still opening the
 * chat (its catch-up fetch) while its user types. Nothing is altered; undone by the returned function.
 */
export function slowFirstHistory(context: BrowserContext, conversationId: string, ms: number): Promise<() => Promise<void>> {
  let delayed = false;
  return intercept(context, "GET", `/v1/conversations/${conversationId}/messages`, async (route) => {
    if (!delayed) {
      delayed = true;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    await route.fallback();
  });
}
