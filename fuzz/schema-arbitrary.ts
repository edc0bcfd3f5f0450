import fc from "fast-check";
import { flatten, typesOf, type JsonSchema, type JsonType } from "./json-schema";
import { patternString } from "./pattern-lite";

/** A JSON value as the fuzz sends it (JSON.stringify keeps lone surrogates as `\ud800` escapes). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Replaces the generator of a named property (for example `conversation_id` → real ids), so that
 * valid requests reach past "not found". Returning undefined keeps the schema's own generator.
 */
export type PropertyHint = (name: string, schema: JsonSchema) => fc.Arbitrary<Json> | undefined;

export interface SchemaContext {
  components: Record<string, JsonSchema>;
  hint: PropertyHint;
}

/** Longest string a valid value gets by default: enough to cross boundaries, short enough to send thousands. */
const SHORT = 40;

const emailArb: fc.Arbitrary<string> = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom("example.com", "fuzz.example", "EXAMPLE.org"))
  .map(([local, domain]) => `fuzz.${local}@${domain}`);

const dateTimeArb: fc.Arbitrary<string> = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, SHORT);
  if (schema.format === "email") return emailArb.filter((s) => s.length >= min && s.length <= max);
  if (schema.format === "date-time") return dateTimeArb;
  if (schema.pattern !== undefined) {
    const lite = patternString(schema.pattern, min, max);
    if (lite !== null) return lite;
    const re = new RegExp(schema.pattern);
    return fc.string({ minLength: min, maxLength: Math.min(max, min + SHORT) }).filter((s) => re.test(s));
  }
  const shortMax = Math.min(max, min + SHORT);
  const arbs: Array<fc.Arbitrary<string>> = [
    fc.string({ minLength: min, maxLength: shortMax }),
    fc.string({ minLength: min, maxLength: shortMax, unit: "grapheme" }),
  ];
  // The exact upper bound, when there is one: boundaries are where validators go wrong.
  if (schema.maxLength !== undefined && schema.maxLength <= 70_000) arbs.push(fc.constant("x".repeat(schema.maxLength)));
  return fc.oneof(...arbs).filter((s) => [...s].length >= min && s.length <= max);
}

function integerBounds(schema: JsonSchema): { min: number; max: number } {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -1_000_000);
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? 1_000_000);
  return { min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) };
}

function integerArb(schema: JsonSchema): fc.Arbitrary<number> {
  const { min, max } = integerBounds(schema);
  // Mostly small values (real ids and seqs are small), sometimes anywhere in range, and the bounds themselves.
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max: Math.min(max, Math.max(min, 0) + 20) }) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

function numberArb(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1e9;
  const max = schema.maximum ?? 1e9;
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
}

function objectArb(schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<Json> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<Json>> = {};
  for (const [key, sub] of Object.entries(props)) model[key] = ctx.hint(key, sub) ?? validValue(sub, ctx, depth + 1);
  const requiredKeys = Object.keys(props).filter((k) => required.has(k));
  return fc.record(model, { requiredKeys }).map((o) => o);
}

function typedArb(type: JsonType, schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<Json> {
  switch (type) {
    case "string":
      return stringArb(schema);
    case "integer":
      return integerArb(schema);
    case "number":
      return numberArb(schema);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = schema.items ?? {};
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? 4, minLength + 4);
      const item = validValue(items, ctx, depth + 1);
      return schema.uniqueItems === true
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength });
    }
    case "object":
      return depth > 6 ? fc.constant({}) : objectArb(schema, ctx, depth);
  }
}

/** Values the schema accepts: type, format, enum, bounds, pattern (lite), required properties. */
export function validValue(input: JsonSchema, ctx: SchemaContext, depth = 0): fc.Arbitrary<Json> {
  const schema = flatten(input, ctx.components);
  if (schema.const !== undefined) return fc.constant(schema.const as Json);
  if (schema.enum !== undefined) return fc.constantFrom(...(schema.enum as Json[]));
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) return fc.oneof(...branches.map((b) => validValue(b, ctx, depth + 1)));
  const types = typesOf(schema).filter((t) => depth < 6 || (t !== "object" && t !== "array"));
  return fc.oneof(...types.map((t) => typedArb(t, schema, ctx, depth)));
}

/* ---------- invalid values ---------- */

/** A string holding an unpaired UTF-16 surrogate: not valid Unicode, so not valid UTF-8 once stored. */
export const LONE_SURROGATES = ["\ud800", "a\udfffb", "\ud83d", "x\ud800\ud800y", "\udc00"] as const;

const hugeString = (n: number): string => "A".repeat(n);

/** A value nested `depth` levels deep, as JSON text (building the object itself would blow the stack on stringify). */
export function deepNestingText(depth: number, open: "[" | "{"): string {
  if (open === "[") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** A value of some other JSON type than the schema admits (or garbage of any type when it admits all). */
export function wrongTypeValue(input: JsonSchema, ctx: SchemaContext): fc.Arbitrary<Json> {
  const schema = flatten(input, ctx.components);
  const admitted = new Set(typesOf(schema));
  const candidates: Array<[JsonType, fc.Arbitrary<Json>]> = [
    ["string", fc.constantFrom("", "x", "1", "true", "null", "0x10", "[]")],
    ["integer", fc.constantFrom(0, -1, 1, 2 ** 53, -(2 ** 53), 1.5)],
    ["number", fc.constantFrom(0.5, 1e308, -1e308)],
    ["boolean", fc.boolean()],
    ["null", fc.constant(null)],
    ["array", fc.constantFrom([], [1], ["x", null])],
    ["object", fc.constantFrom({}, { a: 1 }, { __proto__: 1 } as Json)],
  ];
  const others = candidates.filter(([t]) => !admitted.has(t) && !(t === "integer" && admitted.has("number")));
  const pool = others.length > 0 ? others : candidates;
  return fc.oneof(...pool.map(([, arb]) => arb));
}

/** Values that break one rule of the schema: bounds, length, pattern, enum, surrogates, nulls, sizes. */
export function invalidValue(input: JsonSchema, ctx: SchemaContext): fc.Arbitrary<Json> {
  const schema = flatten(input, ctx.components);
  const types = typesOf(schema);
  const arbs: Array<fc.Arbitrary<Json>> = [wrongTypeValue(schema, ctx)];
  if (!types.includes("null")) arbs.push(fc.constant(null));
  if (types.includes("string")) {
    arbs.push(fc.constantFrom<Json>(...LONE_SURROGATES));
    arbs.push(fc.constantFrom<Json>(hugeString(70_000), hugeString(300_000), "\u0000", "a\u0000b", "\u202e\u200b", "%00", "../../etc/passwd"));
    if (schema.maxLength !== undefined && schema.maxLength < 200_000) arbs.push(fc.constant("y".repeat(schema.maxLength + 1)));
    if (schema.minLength !== undefined && schema.minLength > 0) arbs.push(fc.constant("z".repeat(schema.minLength - 1)));
    if (schema.enum !== undefined) arbs.push(fc.constantFrom("NOT_IN_ENUM", String(schema.enum[0] ?? "").toUpperCase() + " "));
    if (schema.format === "email") arbs.push(fc.constantFrom("not-an-email", "@", "a@", "a@b", "a b@c.d"));
  }
  if (types.includes("integer") || types.includes("number")) {
    const { min, max } = integerBounds(schema);
    arbs.push(fc.constantFrom<Json>(min - 1, max + 1, 1.5, -0.5, 1e308, -1e308, 2 ** 64));
  }
  if (types.includes("array")) {
    const item = schema.items ?? {};
    arbs.push(fc.constant(Array.from({ length: 10_000 }, () => 1)));
    arbs.push(fc.array(wrongTypeValue(item, ctx), { minLength: 1, maxLength: 3 }));
    if (schema.maxItems !== undefined && schema.maxItems < 5_000) arbs.push(fc.constant(Array.from({ length: schema.maxItems + 1 }, (_, i) => `id${i}`)));
  }
  if (types.includes("object")) {
    arbs.push(fc.constant({ unexpected_field: "x".repeat(10) }));
    arbs.push(fc.constant(JSON.parse(deepNestingText(200, "{")) as Json));
  }
  return fc.oneof(...arbs);
}
