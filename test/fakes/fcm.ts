/**
 * A fake of Google's OAuth token endpoint and FCM HTTP v1, faithful where the consumer depends on it:
 *   POST /token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, assertion = RS256 JWT
 *     signed by a service account it issued (signature verified with that account's public key;
 *     iss, aud = this URL, scope, iat/exp ≤ 1 h checked) → {access_token, expires_in, token_type}
 *     or 400 {error: "invalid_grant" | "unsupported_grant_type", error_description}.
 *   POST /v1/projects/{id}/messages:send with that Bearer token → {name}, or FCM's documented
 *     errors: 400 INVALID_ARGUMENT (with google.rpc.BadRequest field violations), 401
 *     UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNREGISTERED, 429 QUOTA_EXCEEDED + Retry-After,
 *     500 INTERNAL, 503 UNAVAILABLE.
 * Tests and workers share one isolate under vitest-pool-workers, so installing it on globalThis.fetch
 * intercepts the consumer's own requests; other hosts go to the real fetch.
 */
import { decodeJwt, exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from "jose";

export const FCM_FAKE_HOST = "fcm.fake.test";
const FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";
const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

export type FcmFailure = "unregistered" | "invalid_token" | "invalid_argument" | "quota" | "internal" | "unavailable" | "unauthenticated";

export interface SentMessage {
  projectId: string;
  message: Record<string, unknown>;
}

interface Account {
  projectId: string;
  kid: string;
  publicKey: CryptoKey;
}

const statuses: Record<FcmFailure, { code: number; status: string; errorCode: string; message: string }> = {
  unregistered: { code: 404, status: "NOT_FOUND", errorCode: "UNREGISTERED", message: "Requested entity was not found." },
  invalid_token: {
    code: 400,
    status: "INVALID_ARGUMENT",
    errorCode: "INVALID_ARGUMENT",
    message: "The registration token is not a valid FCM registration token",
  },
  invalid_argument: { code: 400, status: "INVALID_ARGUMENT", errorCode: "INVALID_ARGUMENT", message: "Invalid value at 'message.data'" },
  quota: { code: 429, status: "RESOURCE_EXHAUSTED", errorCode: "QUOTA_EXCEEDED", message: "Quota exceeded for quota metric 'Send requests'." },
  internal: { code: 500, status: "INTERNAL", errorCode: "INTERNAL", message: "Internal error encountered." },
  unavailable: { code: 503, status: "UNAVAILABLE", errorCode: "UNAVAILABLE", message: "The service is currently unavailable." },
  unauthenticated: { code: 401, status: "UNAUTHENTICATED", errorCode: "THIRD_PARTY_AUTH_ERROR", message: "Request had invalid authentication credentials." },
};

function fcmError(code: number, status: string, message: string, details: unknown[] = []): Response {
  return Response.json({ error: { code, message, status, details } }, { status: code });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class FakeFcm {
  readonly apiBase = `https://${FCM_FAKE_HOST}`;
  readonly tokenUrl = `https://${FCM_FAKE_HOST}/token`;
  /** Successful token exchanges, by client_email. */
  readonly exchanges = new Map<string, number>();
  readonly sent: SentMessage[] = [];
  /** Every send attempt (accepted or not), by device token. */
  readonly attempts = new Map<string, number>();
  private readonly accounts = new Map<string, Account>();
  private readonly accessTokens = new Map<string, { projectId: string; expiresAt: number }>();
  private readonly failures = new Map<string, { failure: FcmFailure; retryAfter?: string }[]>();

  /** A new service account (and project) this fake trusts; the JSON is what FCM_SERVICE_ACCOUNT holds. */
  async serviceAccount(projectId = `proj-${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
    const kid = crypto.randomUUID().replace(/-/g, "");
    const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
    this.accounts.set(clientEmail, { projectId, kid, publicKey });
    return JSON.stringify({
      type: "service_account",
      project_id: projectId,
      private_key_id: kid,
      private_key: await exportPKCS8(privateKey),
      client_email: clientEmail,
      token_uri: this.tokenUrl,
    });
  }

  /** The next sends to this device token fail this way, in order. */
  failNext(token: string, failure: FcmFailure, retryAfter?: string): void {
    const queue = this.failures.get(token) ?? [];
    queue.push({ failure, ...(retryAfter !== undefined ? { retryAfter } : {}) });
    this.failures.set(token, queue);
  }

  sentTo(token: string): Record<string, unknown>[] {
    return this.sent.filter((s) => s.message.token === token).map((s) => s.message);
  }

  install(): () => void {
    const original = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.host !== FCM_FAKE_HOST) return original(input, init);
      if (request.method === "POST" && url.pathname === "/token") return this.token(request);
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url.pathname);
      if (request.method === "POST" && send?.[1] !== undefined) return this.send(request, decodeURIComponent(send[1]));
      return fcmError(404, "NOT_FOUND", "Not found");
    };
    return () => void (globalThis.fetch = original);
  }

  private async token(request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    const invalid = (description: string) => Response.json({ error: "invalid_grant", error_description: description }, { status: 400 });
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return Response.json({ error: "unsupported_grant_type", error_description: "Invalid grant_type" }, { status: 400 });
    }
    const assertion = form.get("assertion") ?? "";
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      return invalid("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    }
    const account = typeof iss === "string" ? this.accounts.get(iss) : undefined;
    if (account === undefined || typeof iss !== "string") return invalid("Invalid JWT Signature.");
    try {
      const { payload, protectedHeader } = await jwtVerify(assertion, account.publicKey, { algorithms: ["RS256"], issuer: iss, audience: this.tokenUrl });
      if (protectedHeader.kid !== undefined && protectedHeader.kid !== account.kid) return invalid("Invalid JWT Signature.");
      if (typeof payload.scope !== "string" || !payload.scope.split(" ").includes(SCOPE)) return invalid("Invalid OAuth scope or ID token audience provided.");
      if (typeof payload.iat !== "number" || typeof payload.exp !== "number" || payload.exp - payload.iat > 3600) {
        return invalid("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
      }
    } catch {
      return invalid("Invalid JWT Signature.");
    }
    const accessToken = `ya29.fake-${crypto.randomUUID()}`;
    this.accessTokens.set(accessToken, { projectId: account.projectId, expiresAt: Date.now() + 3599_000 });
    this.exchanges.set(iss, (this.exchanges.get(iss) ?? 0) + 1);
    return Response.json({ access_token: accessToken, expires_in: 3599, token_type: "Bearer" });
  }

  /** Revokes every access token issued so far (the next send answers 401). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  private async send(request: Request, projectId: string): Promise<Response> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    const grant = bearer !== undefined ? this.accessTokens.get(bearer) : undefined;
    if (grant === undefined || grant.expiresAt < Date.now()) return fcmError(401, "UNAUTHENTICATED", statuses.unauthenticated.message);
    if (grant.projectId !== projectId) return fcmError(403, "PERMISSION_DENIED", "Permission 'cloudmessaging.messages.create' denied on resource");
    const body: unknown = await request.json().catch(() => null);
    const message = isRecord(body) && isRecord(body.message) ? body.message : undefined;
    const violation = message === undefined ? "message" : validate(message);
    if (violation !== undefined || message === undefined) {
      return fcmError(400, "INVALID_ARGUMENT", `Invalid value at '${violation ?? "message"}'`, [
        { "@type": FCM_ERROR, errorCode: "INVALID_ARGUMENT" },
        { "@type": BAD_REQUEST, fieldViolations: [{ field: violation ?? "message", description: "Invalid value" }] },
      ]);
    }
    const token = String(message.token);
    this.attempts.set(token, (this.attempts.get(token) ?? 0) + 1);
    const scripted = this.failures.get(token)?.shift();
    if (scripted !== undefined) {
      const s = statuses[scripted.failure];
      const details: unknown[] = [{ "@type": FCM_ERROR, errorCode: s.errorCode }];
      if (scripted.failure === "invalid_token") details.push({ "@type": BAD_REQUEST, fieldViolations: [{ field: "message.token", description: s.message }] });
      if (scripted.failure === "invalid_argument") details.push({ "@type": BAD_REQUEST, fieldViolations: [{ field: "message.data", description: s.message }] });
      const res = fcmError(s.code, s.status, s.message, details);
      if (scripted.retryAfter !== undefined) res.headers.set("Retry-After", scripted.retryAfter);
      return res;
    }
    this.sent.push({ projectId, message });
    return Response.json({ name: `projects/${projectId}/messages/${crypto.randomUUID()}` });
  }
}

/** The first field FCM would reject, as its field-violation path, or undefined when valid. */
function validate(message: Record<string, unknown>): string | undefined {
  const targets = ["token", "topic", "condition"].filter((k) => message[k] !== undefined);
  if (targets.length !== 1 || typeof message.token !== "string" || message.token.length === 0) return "message.token";
  if (message.data !== undefined) {
    if (!isRecord(message.data)) return "message.data";
    for (const [key, value] of Object.entries(message.data)) if (typeof value !== "string") return `message.data[${key}]`;
  }
  const android = message.android;
  if (android !== undefined) {
    if (!isRecord(android)) return "message.android";
    if (android.priority !== undefined && android.priority !== "NORMAL" && android.priority !== "HIGH") return "message.android.priority";
    if (android.ttl !== undefined && (typeof android.ttl !== "string" || !/^\d+(\.\d{1,9})?s$/.test(android.ttl))) return "message.android.ttl";
  }
  const apns = message.apns;
  if (apns !== undefined) {
    if (!isRecord(apns)) return "message.apns";
    if (apns.headers !== undefined) {
      if (!isRecord(apns.headers)) return "message.apns.headers";
      for (const [key, value] of Object.entries(apns.headers)) if (typeof value !== "string") return `message.apns.headers[${key}]`;
    }
  }
  const webpush = message.webpush;
  if (webpush !== undefined && isRecord(webpush) && webpush.headers !== undefined) {
    if (!isRecord(webpush.headers)) return "message.webpush.headers";
    for (const [key, value] of Object.entries(webpush.headers)) if (typeof value !== "string") return `message.webpush.headers[${key}]`;
  }
  return undefined;
}
