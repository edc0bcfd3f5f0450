import * as z from "zod";

/**
 * The subset of JSON Schema (2020-12, as OpenAPI 3.1 and @hono/zod-openapi write it) that the fuzz
 * reads to generate values. Ajv validates responses against the full documents; this shape only
 * types what the generator looks at, and keeps everything else as it is.
 */
export interface JsonSchema {
  $ref?: string;
  type?: JsonType | JsonType[];
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  description?: string;
}

export const JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"] as const;
export type JsonType = (typeof JSON_TYPES)[number];

const jsonTypeSchema = z.enum(JSON_TYPES);

export const jsonSchemaSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z
    .object({
      $ref: z.string().optional(),
      type: z.union([jsonTypeSchema, z.array(jsonTypeSchema)]).optional(),
      nullable: z.boolean().optional(),
      enum: z.array(z.unknown()).optional(),
      const: z.unknown().optional(),
      format: z.string().optional(),
      pattern: z.string().optional(),
      minLength: z.number().optional(),
      maxLength: z.number().optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      exclusiveMinimum: z.number().optional(),
      exclusiveMaximum: z.number().optional(),
      items: jsonSchemaSchema.optional(),
      minItems: z.number().optional(),
      maxItems: z.number().optional(),
      uniqueItems: z.boolean().optional(),
      properties: z.record(z.string(), jsonSchemaSchema).optional(),
      required: z.array(z.string()).optional(),
      additionalProperties: z.union([z.boolean(), jsonSchemaSchema]).optional(),
      allOf: z.array(jsonSchemaSchema).optional(),
      anyOf: z.array(jsonSchemaSchema).optional(),
      oneOf: z.array(jsonSchemaSchema).optional(),
      default: z.unknown().optional(),
      description: z.string().optional(),
    })
    .loose(),
);

/** Follows `#/components/schemas/X` references (the only kind the document uses) until a schema without `$ref`. */
export function resolveRef(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
    const target = name === undefined ? undefined : components[name];
    if (target === undefined || hops > 32) throw new Error(`unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

/** The types a schema admits (an absent `type` admits all; OpenAPI 3.0's `nullable` adds null). */
export function typesOf(schema: JsonSchema): JsonType[] {
  const listed = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const types = listed.length > 0 ? [...listed] : schema.enum !== undefined || schema.const !== undefined ? [] : [...JSON_TYPES];
  if (schema.nullable === true && !types.includes("null")) types.push("null");
  return types;
}

/**
 * One schema for generation: `$ref` resolved and `allOf` merged (properties and required lists
 * united; the document uses allOf to extend objects and, for nullable refs, to add `null`).
 */
export function flatten(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const resolved = resolveRef(schema, components);
  if (resolved.allOf === undefined) return resolved;
  const { allOf, ...rest } = resolved;
  const parts = allOf.map((part) => flatten(part, components));
  const properties: Record<string, JsonSchema> = { ...rest.properties };
  const required = new Set(rest.required ?? []);
  let merged: JsonSchema = { ...rest };
  for (const part of parts) {
    // Types intersect; a part that adds only `null` (the nullable-ref idiom) must not widen the object.
    const { properties: partProps, required: partRequired, type, ...partRest } = part;
    merged = { ...partRest, ...merged };
    if (type !== undefined && merged.type === undefined) merged.type = type;
    for (const [key, value] of Object.entries(partProps ?? {})) properties[key] = value;
    for (const key of partRequired ?? []) required.add(key);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}
