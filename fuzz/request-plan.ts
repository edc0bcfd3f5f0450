import fc from "fast-check";
import { flatten, type JsonSchema } from "./json-schema";
import type { Operation, Parameter } from "./openapi-doc";
import {
  deepNestingText,
  invalidValue,
  LONE_SURROGATES,
  validValue,
  wrongTypeValue,
  type Json,
  type PropertyHint,
  type SchemaContext,
} from "./schema-arbitrary";
import { PASSWORD, type Pools } from "./stack-fixtures";

/**
 * A request as pure data: everything but the actor's current token is decided here, so fast-check
 * can generate, replay (seed + path) and shrink it. `sendPlan` turns it into a real fetch.
 */
export type AuthKind = "valid" | "none" | "garbage" | "forged" | "refresh-as-access";
export const FORGERIES = ["alg-none", "other-sub", "expired", "wrong-aud", "bad-signature", "wrong-kid"] as const;
export type Forgery = (typeof FORGERIES)[number];

export type PlanBody =
  | { kind: "none" }
  | { kind: "json"; value: Json }
  | { kind: "text"; text: string }
  /** Bytes as hex: for text that is not valid UTF-8. */
  | { kind: "bytes"; hex: string };

export interface RequestPlan {
  actor: number;
  auth: AuthKind;
  /** The garbage Authorization value, or which forgery. */
  authDetail: string;
  /** Path parameter values, already percent-encoded (invalid encodings included on purpose). */
  pathParams: Record<string, string>;
  /** Query pairs, already percent-encoded. */
  query: Array<[string, string]>;
  contentType: string | null;
  body: PlanBody;
  /** What kind of request this is, for the findings table ("valid", "invalid:field", …). */
  variant: string;
  /** A CF-Connecting-IP that is not an address (the rest get a fresh address each). */
  oddClientIp: string | null;
}

/** encodeURIComponent for any UTF-16 string: a lone surrogate becomes its 3-byte (WTF-8) form, which is not valid UTF-8. */
export function encodeLoose(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const isHigh = code >= 0xd800 && code <= 0xdbff;
    const next = value.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else {
      out += encodeURIComponent(value[i] ?? "");
    }
  }
  return out;
}

const GARBAGE_AUTH = [
  "Bearer",
  "Bearer ",
  "Basic dXNlcjpwYXNzd29yZA==",
  "Bearer a.b.c",
  "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
  "Bearer ..",
  `Bearer ${"A".repeat(8000)}`,
  "Token abc",
  "Bearer \u00ff\u00fe",
  "Bearer x, Bearer y",
  "Bearer null",
] as const;

const ODD_IPS = ["not-an-ip", "::", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9", "999.1.1.1", "2001:db8::1", ""] as const;

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/jsonx",
  "application/json; charset=utf-16",
  "*/*",
  "application/octet-stream",
] as const;

const MALFORMED_JSON = ['{"a":', "{'a':1}", '{"a":1,}', "[1,2", "\ufeff{}", "nul", '{"a":1}{"b":2}', '{"a":"\\ud800"', "\u0000", '{"a": 01}', "   "] as const;

const QUERY_NUMBER_GARBAGE = ["0x10", "1e2", "+5", "-1", " 7", "010", "5.0", "NaN", "Infinity", "99999999999999999999", "", "1_000", "0b11", "٣"] as const;
const PATH_GARBAGE = ["%ED%A0%80", "..", "%2E%2E", "%00", "a".repeat(5000), "%2F", "%20", "%ZZ", "%F0%9F%98%80", "null", "-1", "0x10"] as const;
const EMOJIS = ["👍", "❤️", "😂", "👨‍👩‍👧", "a", "👍👍"] as const;

export interface PlanContext extends SchemaContext {
  pools: Pools;
  actorCount: number;
}

function poolArb<T>(values: readonly T[]): fc.Arbitrary<T> | undefined {
  return values.length > 0 ? fc.constantFrom(...values) : undefined;
}

/** Real values for the fields that carry ids, emails and tokens; mixed with the schema's own values. */
export function propertyHint(pools: Pools): PropertyHint {
  const byName: Record<string, fc.Arbitrary<Json> | undefined> = {
    conversation_id: poolArb(pools.conversationIds),
    call_id: poolArb(pools.callIds),
    file_id: poolArb(pools.fileIds),
    avatar_file_id: poolArb(pools.fileIds),
    user_id: poolArb(pools.userIds),
    email: poolArb(pools.emails),
    to: poolArb(pools.emails),
    password: fc.constant(PASSWORD),
    refresh_token: poolArb(pools.refreshTokens),
    token: poolArb(pools.verifyTokens),
    device_id: poolArb(pools.keyDeviceIds),
    member_ids: poolArb(pools.userIds)?.chain((id) => fc.subarray(pools.userIds, { minLength: 1 }).map((ids) => [id, ...ids.filter((x) => x !== id)])),
    user_ids: fc.subarray(pools.userIds, { minLength: 1 }),
    attachments: fc.subarray(pools.fileIds, { minLength: 0, maxLength: 3 }),
  };
  return (name, schema) => {
    const real = byName[name];
    if (real === undefined) return undefined;
    // Arrays keep their shape; everything else: a real value or the schema's own.
    if (Array.isArray(schema.type) ? schema.type.includes("array") : schema.type === "array") return real;
    return fc.oneof({ weight: 3, arbitrary: real }, { weight: 1, arbitrary: validValue(schema, { components: {}, hint: () => undefined }) });
  };
}

function pathParamPool(op: Operation, name: string, pools: Pools): readonly string[] {
  if (name === "id") return op.path.startsWith("/v1/calls") ? pools.callIds : pools.conversationIds;
  if (name === "session_id") return op.path.startsWith("/v1/auth") ? pools.sessionIds : [];
  if (name === "user_id") return pools.userIds;
  if (name === "file_id") return pools.fileIds;
  if (name === "device_id") return pools.deviceIds;
  if (name === "seq") return pools.seqs.map(String);
  if (name === "emoji") return EMOJIS;
  return [];
}

function asQueryString(value: Json): string {
  return typeof value === "string" ? value : Array.isArray(value) ? value.map((v) => String(v)).join(",") : JSON.stringify(value);
}

function pathParamArb(op: Operation, param: Parameter, ctx: PlanContext): fc.Arbitrary<string> {
  const schema: JsonSchema = param.schema ?? { type: "string" };
  const real = poolArb(pathParamPool(op, param.name, ctx.pools));
  const random = validValue(schema, ctx)
    .map((v) => encodeLoose(asQueryString(v)))
    .filter((s) => s.length > 0);
  const garbage = fc.oneof(fc.constantFrom(...PATH_GARBAGE), fc.constantFrom(...LONE_SURROGATES).map(encodeLoose));
  const arbs: Array<fc.WeightedArbitrary<string>> = [
    { weight: 2, arbitrary: random },
    { weight: 1, arbitrary: garbage },
  ];
  if (real !== undefined) arbs.push({ weight: 5, arbitrary: real.map((v) => encodeLoose(v)) });
  return fc.oneof(...arbs);
}

function queryParamArb(param: Parameter, ctx: PlanContext): fc.Arbitrary<Array<[string, string]>> {
  const schema: JsonSchema = param.schema ?? { type: "string" };
  const name = encodeURIComponent(param.name);
  const hinted = ctx.hint(param.name, schema);
  const valid = (hinted ?? validValue(schema, ctx)).map((v) => encodeLoose(asQueryString(v)));
  const isNumeric = schema.type === "integer" || schema.type === "number" || schema.pattern === "^\\d{1,15}$";
  const invalid = fc.oneof(
    isNumeric
      ? fc.constantFrom(...QUERY_NUMBER_GARBAGE).map(encodeLoose)
      : invalidValue(schema, ctx).map((v) => encodeLoose(asQueryString(v).slice(0, 20_000))),
    fc.constantFrom(...LONE_SURROGATES).map(encodeLoose),
    fc.constant("%ED%A0%80"),
    fc.constant("x".repeat(10_000)),
  );
  const present = fc.oneof({ weight: 5, arbitrary: valid }, { weight: 2, arbitrary: invalid }).map((v): Array<[string, string]> => [[name, v]]);
  const repeated = fc.tuple(valid, invalid).map(([a, b]): Array<[string, string]> => [
    [name, a],
    [name, b],
  ]);
  const absent = fc.constant<Array<[string, string]>>([]);
  return param.required === true
    ? fc.oneof({ weight: 12, arbitrary: present }, { weight: 1, arbitrary: absent }, { weight: 1, arbitrary: repeated })
    : fc.oneof({ weight: 6, arbitrary: present }, { weight: 5, arbitrary: absent }, { weight: 1, arbitrary: repeated });
}

/** Drops one required property, or (when none is required) sends an empty object. */
function withoutRequired(value: Json, schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<Json> {
  const flat = flatten(schema, ctx.components);
  const required = flat.required ?? [];
  if (value === null || typeof value !== "object" || Array.isArray(value) || required.length === 0) return fc.constant({});
  return fc.constantFrom(...required).map((key) => {
    const copy: { [key: string]: Json } = { ...value };
    delete copy[key];
    return copy;
  });
}

/** One property of the body set to a value that breaks its schema. */
function withBadField(value: Json, schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<Json> {
  const flat = flatten(schema, ctx.components);
  const entries = Object.entries(flat.properties ?? {});
  if (entries.length === 0 || value === null || typeof value !== "object" || Array.isArray(value)) return invalidValue(schema, ctx);
  return fc.constantFrom(...entries).chain(([key, sub]) => invalidValue(sub, ctx).map((bad) => ({ ...value, [key]: bad })));
}

function bodyArb(op: Operation, ctx: PlanContext): fc.Arbitrary<{ body: PlanBody; contentType: string | null; variant: string }> {
  const declared = op.body;
  const json = (variant: string) => (value: Json) => ({
    body: { kind: "json", value } as PlanBody,
    contentType: declared?.mediaType ?? "application/json",
    variant,
  });
  const text = (variant: string, contentType: string | null) => (t: string) => ({ body: { kind: "text", text: t } as PlanBody, contentType, variant });
  if (declared === undefined) {
    // No body declared: mostly none, sometimes one anyway (JSON or not).
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant({ body: { kind: "none" } as PlanBody, contentType: null, variant: "valid" }) },
      { weight: 1, arbitrary: fc.constantFrom('{"a":1}', "garbage", deepNestingText(5000, "[")).map(text("invalid:unexpected-body", "application/json")) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...WRONG_CONTENT_TYPES)
          .map((ct) => ({ body: { kind: "text", text: "x=1" } as PlanBody, contentType: ct, variant: "invalid:content-type" })),
      },
    );
  }
  const schema = declared.schema;
  const valid = validValue(schema, ctx);
  return fc.oneof(
    { weight: 35, arbitrary: valid.map(json("valid")) },
    { weight: 15, arbitrary: valid.chain((v) => withBadField(v, schema, ctx)).map(json("invalid:field")) },
    { weight: 8, arbitrary: valid.chain((v) => withoutRequired(v, schema, ctx)).map(json("invalid:missing-required")) },
    {
      weight: 4,
      arbitrary: valid.map((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? { ...v, zz_extra: "x" } : v)).map(json("invalid:extra-property")),
    },
    { weight: 4, arbitrary: wrongTypeValue(schema, ctx).map(json("invalid:top-level-type")) },
    { weight: 6, arbitrary: fc.constantFrom(...MALFORMED_JSON).map(text("invalid:malformed-json", "application/json")) },
    { weight: 3, arbitrary: fc.constantFrom(deepNestingText(10_000, "["), deepNestingText(5_000, "{")).map(text("invalid:deep-nesting", "application/json")) },
    { weight: 2, arbitrary: fc.constant(`[${Array.from({ length: 100_000 }, () => "0").join(",")}]`).map(text("invalid:huge-array", "application/json")) },
    { weight: 2, arbitrary: fc.constant(`{"x":"${"B".repeat(1_100_000)}"}`).map(text("invalid:huge-body", "application/json")) },
    {
      weight: 3,
      arbitrary: fc.constantFrom('{"a":"\xed\xa0\x80"}', '{"a":"\xff\xfe"}', "\xc3\x28").map((t) => ({
        body: { kind: "bytes", hex: Buffer.from(t, "latin1").toString("hex") } as PlanBody,
        contentType: "application/json",
        variant: "invalid:bad-utf8",
      })),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...WRONG_CONTENT_TYPES))
        .map(([v, ct]) => ({ body: { kind: "json", value: v } as PlanBody, contentType: ct, variant: "invalid:content-type" })),
    },
    { weight: 4, arbitrary: valid.map((v) => ({ body: { kind: "json", value: v } as PlanBody, contentType: null, variant: "invalid:no-content-type" })) },
    { weight: 4, arbitrary: fc.constant("").map(text("invalid:empty-body", "application/json")) },
  );
}

function authArb(op: Operation): fc.Arbitrary<{ auth: AuthKind; authDetail: string }> {
  const valid = fc.constant({ auth: "valid" as AuthKind, authDetail: "" });
  const bad = fc.oneof(
    fc.constant({ auth: "none" as AuthKind, authDetail: "" }),
    fc.constantFrom(...GARBAGE_AUTH).map((h) => ({ auth: "garbage" as AuthKind, authDetail: h })),
    fc.constantFrom(...FORGERIES).map((f) => ({ auth: "forged" as AuthKind, authDetail: f })),
    fc.constant({ auth: "refresh-as-access" as AuthKind, authDetail: "" }),
  );
  // Public routes mostly go without a token; secured ones mostly with a good one.
  return op.secured
    ? fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: bad })
    : fc.oneof(
        { weight: 1, arbitrary: valid },
        { weight: 3, arbitrary: fc.constant({ auth: "none" as AuthKind, authDetail: "" }) },
        { weight: 1, arbitrary: bad },
      );
}

/** Every request the fuzz may send to one operation. */
export function planArb(op: Operation, ctx: PlanContext): fc.Arbitrary<RequestPlan> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const pathRecord: Record<string, fc.Arbitrary<string>> = {};
  for (const p of pathParams) pathRecord[p.name] = pathParamArb(op, p, ctx);
  const extraQuery = fc.oneof(
    { weight: 9, arbitrary: fc.constant<Array<[string, string]>>([]) },
    { weight: 1, arbitrary: fc.constant<Array<[string, string]>>([["zz_unknown", "1"]]) },
  );
  const query = fc.tuple(extraQuery, ...queryParams.map((p) => queryParamArb(p, ctx))).map((parts) => parts.flat());
  return fc
    .record({
      actor: fc.nat({ max: ctx.actorCount - 1 }),
      auth: authArb(op),
      pathParams: fc.record(pathRecord),
      query,
      body: bodyArb(op, ctx),
      oddClientIp: fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_IPS) }),
    })
    .map(({ actor, auth, pathParams: pp, query: q, body, oddClientIp }) => {
      const pathBad = Object.values(pp).some((v) => PATH_GARBAGE.some((g) => g === v) || v.includes("%ED%A0"));
      const queryBad = q.some(
        ([k, v]) => k === "zz_unknown" || QUERY_NUMBER_GARBAGE.some((g) => encodeLoose(g) === v) || v.includes("%ED%A0") || v.length >= 10_000,
      );
      const variant =
        auth.auth !== "valid" && op.secured
          ? `auth:${auth.auth}`
          : pathBad
            ? "invalid:path"
            : queryBad && body.variant === "valid"
              ? "invalid:query"
              : body.variant;
      return {
        actor,
        auth: auth.auth,
        authDetail: auth.authDetail,
        pathParams: pp,
        query: q,
        contentType: body.contentType,
        body: body.body,
        variant,
        oddClientIp,
      };
    });
}
