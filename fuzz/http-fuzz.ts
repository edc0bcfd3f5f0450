import fc from "fast-check";
import { ERROR_STATUS } from "../lib/errors";
import { declaredResponse, type ApiDocument, type Operation } from "./openapi-doc";
import { planArb, propertyHint, type PlanContext, type RequestPlan } from "./request-plan";
import { nextClientIp, relogin, type Actor, type Fixtures } from "./stack-fixtures";

/** What a response can be wrong about (one request may be wrong in several ways). */
export type FindingKind = "server error" | "undeclared status" | "schema mismatch" | "forged token accepted";

export interface Finding {
  op: string;
  status: number;
  kind: FindingKind;
  detail: string;
  variant: string;
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

function b64url(value: string): string {
  return Buffer.from(value, "utf8").toString("base64url");
}

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A token derived from a real one that no verifier may accept (signature kept, claims changed; or no signature). */
export function forge(token: string, forgery: string, otherUserId: string): string {
  const [h, p, s = ""] = token.split(".");
  const header = decodePart(h);
  const payload = decodePart(p);
  switch (forgery) {
    case "alg-none":
      return `${b64url(JSON.stringify({ ...header, alg: "none" }))}.${p ?? ""}.`;
    case "other-sub":
      return `${h ?? ""}.${b64url(JSON.stringify({ ...payload, sub: otherUserId }))}.${s}`;
    case "expired":
      return `${h ?? ""}.${b64url(JSON.stringify({ ...payload, exp: 1_000_000_000, iat: 999_999_000 }))}.${s}`;
    case "wrong-aud":
      return `${h ?? ""}.${b64url(JSON.stringify({ ...payload, aud: "someone-else" }))}.${s}`;
    case "bad-signature":
      return `${h ?? ""}.${p ?? ""}.${s.slice(0, -4)}${s.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    default:
      return `${b64url(JSON.stringify({ ...header, kid: "not-a-key" }))}.${p ?? ""}.${s}`;
  }
}

export interface HttpRunner {
  fixtures: Fixtures;
  doc: ApiDocument;
  requests: number;
  findings: Finding[];
}

const reloginInFlight = new Map<number, Promise<void>>();

async function freshActor(runner: HttpRunner, index: number): Promise<Actor> {
  const actor = runner.fixtures.actors[index] ?? runner.fixtures.actors[0];
  if (actor === undefined) throw new Error("no actors");
  if (actor.stale) {
    let pending = reloginInFlight.get(actor.index);
    if (pending === undefined) {
      pending = relogin(runner.fixtures.base, actor).finally(() => reloginInFlight.delete(actor.index));
      reloginInFlight.set(actor.index, pending);
    }
    await pending;
  }
  return actor;
}

export function materialize(op: Operation, plan: RequestPlan, actor: Actor, others: Actor[], base: string): SentRequest {
  let path = op.path;
  for (const [name, value] of Object.entries(plan.pathParams)) path = path.replace(`{${name}}`, value);
  const qs = plan.query.map(([k, v]) => `${k}=${v}`).join("&");
  const headers: Record<string, string> = {};
  headers["cf-connecting-ip"] = plan.oddClientIp ?? nextClientIp();
  const other = others.find((o) => o.index !== actor.index) ?? actor;
  if (plan.auth === "valid") headers.authorization = `Bearer ${actor.token}`;
  else if (plan.auth === "garbage") headers.authorization = plan.authDetail;
  else if (plan.auth === "forged") headers.authorization = `Bearer ${forge(actor.token, plan.authDetail, other.id)}`;
  else if (plan.auth === "refresh-as-access") headers.authorization = `Bearer ${actor.refreshToken}`;
  if (plan.contentType !== null) headers["content-type"] = plan.contentType;
  let body = "";
  if (plan.body.kind === "json") body = JSON.stringify(plan.body.value);
  else if (plan.body.kind === "text") body = plan.body.text;
  else if (plan.body.kind === "bytes") body = Buffer.from(plan.body.hex, "hex").toString("latin1");
  return { method: op.method.toUpperCase(), url: `${base}${path}${qs ? `?${qs}` : ""}`, headers, body };
}

/** The request as a shell line (bodies cut to 300 characters), for the report and for replaying by hand. */
export function describeRequest(sent: SentRequest, plan: RequestPlan): string {
  const shown = sent.body.length > 300 ? `${sent.body.slice(0, 300)}… (${sent.body.length} chars)` : sent.body;
  const headers = Object.entries(sent.headers)
    .filter(([k]) => k !== "cf-connecting-ip" || plan.oddClientIp !== null)
    .map(([k, v]) => `-H '${k}: ${k === "authorization" ? `${v.slice(0, 40)}${v.length > 40 ? "…" : ""}` : v}'`)
    .join(" ");
  const url = sent.url.length > 400 ? `${sent.url.slice(0, 400)}…` : sent.url;
  return `curl -X ${sent.method} '${url}' ${headers}${plan.body.kind === "none" || sent.method === "GET" || sent.method === "HEAD" ? "" : ` --data '${JSON.stringify(shown).slice(1, -1)}'`} [${plan.variant}, auth=${plan.auth}${plan.authDetail && plan.auth === "forged" ? `:${plan.authDetail}` : ""}]`;
}

function mediaTypeOf(header: string | null): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function errorsText(errors: unknown): string {
  return JSON.stringify(errors).slice(0, 400);
}

/** Checks one response against the operation's declared responses and the error envelope. */
export function checkResponse(doc: ApiDocument, op: Operation, plan: RequestPlan, status: number, contentType: string | null, text: string): Finding[] {
  const out: Finding[] = [];
  const add = (kind: FindingKind, detail: string) => out.push({ op: op.key, status, kind, detail, variant: plan.variant });
  const declared = declaredResponse(op, status);
  let json: unknown;
  let parsed = false;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
    parsed = text.length > 0;
  } catch {
    parsed = false;
  }
  const envelopeCode = parsed ? ((json as { error?: { code?: unknown } } | null)?.error?.code ?? undefined) : undefined;
  // 503 is an answer only when the operation declares it and it says a dependency or secret is missing.
  const isConfig503 = status === 503 && declared !== undefined && (envelopeCode === "SERVICE_UNAVAILABLE" || op.key === "GET /v1/health");
  if (status === 0) add("server error", text);
  else if (status >= 500 && !isConfig503) add("server error", `${String(envelopeCode ?? "")} ${text.slice(0, 200)}`.trim());
  if (status !== 0 && declared === undefined) add("undeclared status", `declared: ${[...op.responses.keys()].join(", ")}`);
  const declaredErrorSchema = declared?.validators.get(mediaTypeOf(contentType));
  if (status >= 400 && declaredErrorSchema !== undefined && envelopeCode === undefined) {
    // A declared non-envelope error body (the degraded /v1/health): its own schema decides.
    if (!parsed || !declaredErrorSchema(json)) add("schema mismatch", `not the declared ${status} body: ${text.slice(0, 200)}`);
  } else if (status >= 400) {
    if (!parsed || !doc.errorEnvelope(json)) add("schema mismatch", `not the error envelope: ${text.slice(0, 200)}`);
    else if (declaredErrorSchema !== undefined && !declaredErrorSchema(json)) add("schema mismatch", errorsText(declaredErrorSchema.errors));
    else if (typeof envelopeCode === "string" && envelopeCode in ERROR_STATUS && ERROR_STATUS[envelopeCode as keyof typeof ERROR_STATUS] !== status)
      add("schema mismatch", `code ${envelopeCode} travels with ${status}`);
  }
  if (declared !== undefined && status > 0 && status < 400) {
    const media = mediaTypeOf(contentType);
    if (declared.mediaTypes.length === 0) {
      if (text.length > 0) add("schema mismatch", `declared without a body, got ${media || "no content type"}: ${text.slice(0, 100)}`);
    } else if (!declared.mediaTypes.includes(media)) {
      add("schema mismatch", `content type ${media || "(none)"}, declared ${declared.mediaTypes.join(", ")}`);
    } else {
      const validate = declared.validators.get(media);
      if (validate !== undefined && media.includes("json")) {
        if (!parsed) add("schema mismatch", `not JSON: ${text.slice(0, 100)}`);
        else if (!validate(json)) add("schema mismatch", errorsText(validate.errors));
      }
    }
  }
  if (status >= 200 && status < 300 && op.secured && plan.auth !== "valid") add("forged token accepted", `${plan.auth} ${plan.authDetail.slice(0, 40)}`);
  return out;
}

/** Sends one plan and returns the findings of its response. */
export async function runPlan(runner: HttpRunner, op: Operation, plan: RequestPlan): Promise<{ findings: Finding[]; sent: SentRequest }> {
  const actor = await freshActor(runner, plan.actor);
  const sent = materialize(op, plan, actor, runner.fixtures.actors, runner.fixtures.base);
  runner.requests += 1;
  let status = 0;
  let contentType: string | null = null;
  let text: string;
  try {
    const res = await fetch(sent.url, {
      method: sent.method,
      headers: sent.headers,
      ...(sent.method === "GET" || sent.method === "HEAD" || plan.body.kind === "none"
        ? {}
        : { body: plan.body.kind === "bytes" ? Buffer.from(plan.body.hex, "hex") : sent.body }),
      signal: AbortSignal.timeout(30_000),
      redirect: "manual",
    });
    status = res.status;
    contentType = res.headers.get("content-type");
    text = await res.text();
  } catch (err) {
    text = `no response: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  // A logout, a revoked session or a reused refresh token ends the actor's session: log in again before its next request.
  if (plan.auth === "valid" && status === 401) actor.stale = true;
  if (plan.auth === "valid" && status === 204 && (op.key === "POST /v1/auth/logout" || op.key === "DELETE /v1/auth/sessions/{session_id}")) actor.stale = true;
  return { findings: checkResponse(runner.doc, op, plan, status, contentType, text), sent };
}

export interface OperationRun {
  op: Operation;
  seed: number;
  /** First occurrence of each (status, kind): the run index fast-check replays it from. */
  firsts: Map<string, { index: number; finding: Finding }>;
}

export function findingKey(f: Pick<Finding, "op" | "status" | "kind">): string {
  return `${f.op}|${f.status}|${f.kind}`;
}

export function planContext(runner: HttpRunner): PlanContext {
  const pools = runner.fixtures.pools;
  return { components: runner.doc.components, hint: propertyHint(pools), pools, actorCount: runner.fixtures.actors.length };
}

/** Seed of one operation: the run's seed mixed with the operation key, so adding an operation leaves the others' requests as they were. */
export function operationSeed(seed: number, op: Operation): number {
  let h = seed | 0;
  for (let i = 0; i < op.key.length; i++) h = (Math.imul(h ^ op.key.charCodeAt(i), 0x01000193) + 0x9e3779b9) | 0;
  return h;
}

/** `runs` generated requests to one operation, sequentially (fast-check drives generation; nothing is shrunk here). */
export async function fuzzOperation(runner: HttpRunner, op: Operation, seed: number, runs: number): Promise<OperationRun> {
  const arb = planArb(op, planContext(runner));
  const opSeed = operationSeed(seed, op);
  const firsts = new Map<string, { index: number; finding: Finding }>();
  let index = 0;
  // The property never fails (findings are collected, not thrown), so a failed check is an error of the
  // harness itself (an actor that could not be restored): reported as such, never a silently short run.
  const details = await fc.check(
    fc.asyncProperty(arb, async (plan) => {
      const { findings } = await runPlan(runner, op, plan);
      for (const f of findings) {
        runner.findings.push(f);
        const key = findingKey(f);
        if (!firsts.has(key)) firsts.set(key, { index, finding: f });
      }
      index += 1;
      return true;
    }),
    { seed: opSeed, numRuns: runs, endOnFailure: true },
  );
  if (details.failed) throw new Error(`fuzz harness, ${op.key} after ${index} requests: ${String(details.errorInstance)}`);
  return { op, seed: opSeed, firsts };
}

export interface Shrunk {
  key: string;
  seed: number;
  path: string;
  request: string;
  attempts: number;
}

/**
 * Replays the first request that showed a finding (seed + path) and lets fast-check shrink it to a
 * smaller request with the same (operation, status, kind), within `budget` requests.
 */
export async function shrinkFinding(runner: HttpRunner, run: OperationRun, key: string, index: number, budget: number): Promise<Shrunk | undefined> {
  const arb = planArb(run.op, planContext(runner));
  let attempts = 0;
  let last: string | undefined;
  const details = await fc.check(
    fc.asyncProperty(arb, async (plan) => {
      if (attempts >= budget) return true; // out of budget: stop shrinking at the last failing request
      attempts += 1;
      const { findings, sent } = await runPlan(runner, run.op, plan);
      const reproduces = findings.some((f) => findingKey(f) === key);
      if (reproduces) last = describeRequest(sent, plan);
      return !reproduces;
    }),
    { seed: run.seed, path: String(index), numRuns: 1 },
  );
  if (!details.failed || last === undefined) return undefined;
  return { key, seed: run.seed, path: details.counterexamplePath ?? String(index), request: last, attempts };
}
