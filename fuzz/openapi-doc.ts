import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import * as z from "zod";
import { jsonSchemaSchema, type JsonSchema } from "./json-schema";

/**
 * `/openapi.json` read into what the fuzz needs: every operation with its parameters, request
 * body and declared responses, and an Ajv validator per declared response schema.
 */

const parameterSchema = z.object({
  name: z.string(),
  in: z.enum(["path", "query", "header", "cookie"]),
  required: z.boolean().optional(),
  schema: jsonSchemaSchema.optional(),
});

const mediaSchema = z.object({ schema: jsonSchemaSchema.optional() }).loose();

const operationSchema = z
  .object({
    operationId: z.string().optional(),
    security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
    parameters: z.array(parameterSchema).optional(),
    requestBody: z.object({ required: z.boolean().optional(), content: z.record(z.string(), mediaSchema) }).optional(),
    responses: z.record(z.string(), z.object({ description: z.string().optional(), content: z.record(z.string(), mediaSchema).optional() }).loose()),
  })
  .loose();

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const documentSchema = z
  .object({
    openapi: z.string(),
    jsonSchemaDialect: z.string().optional(),
    components: z
      .object({ schemas: z.record(z.string(), jsonSchemaSchema).optional() })
      .loose()
      .optional(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .loose();

export type Parameter = z.infer<typeof parameterSchema>;

export interface DeclaredResponse {
  /** Media types the response may carry; empty = no body (204, 101, a 202 without content). */
  mediaTypes: string[];
  validators: Map<string, ValidateFunction>;
}

export interface Operation {
  /** `METHOD /path/{template}`: the key findings are grouped by. */
  key: string;
  method: HttpMethod;
  path: string;
  secured: boolean;
  parameters: Parameter[];
  body: { required: boolean; mediaType: string; schema: JsonSchema } | undefined;
  responses: Map<string, DeclaredResponse>;
}

export interface ApiDocument {
  version: string;
  components: Record<string, JsonSchema>;
  operations: Operation[];
  /** Validates an error envelope (components.schemas.Error). */
  errorEnvelope: ValidateFunction;
}

const COMPONENTS_ID = "https://fuzz.secureconnect.local/components.json";

/** A deep copy with component refs pointed at the registered components schema, and OpenAPI 3.0 `nullable` turned into a null type. */
function prepare(value: unknown, refBase: string): unknown {
  if (Array.isArray(value)) return value.map((v) => prepare(v, refBase));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "$ref" && typeof v === "string") out[key] = v.replace(/^#\/components\/schemas\//, `${refBase}#/$defs/`);
    else if (key === "nullable") continue;
    else out[key] = prepare(v, refBase);
  }
  if ((value as { nullable?: unknown }).nullable === true) {
    const type = out.type;
    if (typeof type === "string") out.type = [type, "null"];
    else if (Array.isArray(type) && !type.includes("null")) out.type = [...type, "null"];
    else if (type === undefined) return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

export function readDocument(raw: unknown): ApiDocument {
  const doc = documentSchema.parse(raw);
  const components = doc.components?.schemas ?? {};
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 unless the document names another dialect; 3.0 is draft-04-like.
  const dialect2020 = doc.openapi.startsWith("3.1") && (doc.jsonSchemaDialect === undefined || /2020-12|oas\/3\.1/.test(doc.jsonSchemaDialect));
  const ajv = dialect2020 ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: prepare(components, "") }, COMPONENTS_ID);
  const compile = (schema: unknown): ValidateFunction => ajv.compile(prepare(schema, COMPONENTS_ID) as object);

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, rawOp] of Object.entries(item)) {
      const httpMethod = HTTP_METHODS.find((m) => m === method);
      if (httpMethod === undefined) continue;
      const op = operationSchema.parse(rawOp);
      const responses = new Map<string, DeclaredResponse>();
      for (const [status, response] of Object.entries(op.responses)) {
        const validators = new Map<string, ValidateFunction>();
        for (const [mediaType, media] of Object.entries(response.content ?? {}))
          if (media.schema !== undefined) validators.set(mediaType, compile(media.schema));
        responses.set(status, { mediaTypes: Object.keys(response.content ?? {}), validators });
      }
      const bodyEntry = Object.entries(op.requestBody?.content ?? {})[0];
      operations.push({
        key: `${httpMethod.toUpperCase()} ${path}`,
        method: httpMethod,
        path,
        secured: (op.security ?? []).length > 0,
        parameters: op.parameters ?? [],
        body: bodyEntry === undefined ? undefined : { required: op.requestBody?.required === true, mediaType: bodyEntry[0], schema: bodyEntry[1].schema ?? {} },
        responses,
      });
    }
  }
  const errorSchema = components.Error;
  if (errorSchema === undefined) throw new Error("/openapi.json has no components.schemas.Error");
  return { version: doc.openapi, components, operations, errorEnvelope: compile({ $ref: "#/components/schemas/Error" }) };
}

/** The declared response for a status: exact (`404`), then a range (`4XX`), then `default`. */
export function declaredResponse(op: Operation, status: number): DeclaredResponse | undefined {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0] ?? ""}XX`) ?? op.responses.get("default");
}
