import fc from "fast-check";
import { describe, it } from "vitest";
import { checkResponse, forge } from "./http-fuzz";
import { readDocument } from "./openapi-doc";
import { patternString } from "./pattern-lite";
import { encodeLoose, type RequestPlan } from "./request-plan";
import { validValue } from "./schema-arbitrary";

/** The fuzz's own parts, without a stack: the generator agrees with Ajv, and the checker flags what it should and only that. */

const doc = readDocument({
  openapi: "3.1.0",
  components: {
    schemas: {
      Error: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: { code: { type: "string" }, message: { type: "string" }, request_id: { type: "string" } },
            required: ["code", "message", "request_id"],
          },
        },
        required: ["error"],
      },
      Prekey: { type: "object", properties: { key_id: { type: "integer", minimum: 0 } }, required: ["key_id"] },
      Bundle: {
        type: "object",
        properties: {
          id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
          email: { type: "string", format: "email", maxLength: 254 },
          one_time_prekey: { allOf: [{ $ref: "#/components/schemas/Prekey" }, { type: ["object", "null"] }] },
          seq: { type: "integer", exclusiveMinimum: 0, maximum: 100 },
          tags: { type: "array", items: { type: "string", enum: ["a", "b"] }, maxItems: 3 },
          legacy: { type: "string", nullable: true },
        },
        required: ["id", "email", "one_time_prekey", "seq"],
      },
    },
  },
  paths: {
    "/thing": {
      get: {
        responses: {
          "200": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/Bundle" } } } },
          "404": { description: "no", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
          "503": {
            description: "down",
            content: { "application/json": { schema: { type: "object", properties: { status: { const: "degraded" } }, required: ["status"] } } },
          },
        },
      },
    },
  },
});
const op = doc.operations[0];
if (op === undefined) throw new Error("no operation");
const plan: RequestPlan = {
  actor: 0,
  auth: "none",
  authDetail: "",
  pathParams: {},
  query: [],
  contentType: null,
  body: { kind: "none" },
  variant: "valid",
  oddClientIp: null,
};
const bundle = { id: "a", email: "a@example.com", one_time_prekey: { key_id: 1 }, seq: 1 };
const kinds = (status: number, body: unknown, contentType = "application/json") =>
  checkResponse(doc, op, plan, status, contentType, typeof body === "string" ? body : JSON.stringify(body)).map((f) => f.kind);

describe("the fuzz's checker", () => {
  it("accepts a declared status with a body of the declared schema", ({ expect }) => {
    expect(kinds(200, bundle)).toEqual([]);
    expect(kinds(404, { error: { code: "NOT_FOUND", message: "no", request_id: "r" } })).toEqual([]);
  });

  it("flags a null where the schema's allOf forbids it (the `one_time_prekey` idiom) as a schema mismatch", ({ expect }) => {
    expect(kinds(200, { ...bundle, one_time_prekey: null })).toEqual(["schema mismatch"]);
  });

  it("flags undeclared statuses, server errors, wrong content types and bodies that are not the envelope", ({ expect }) => {
    expect(kinds(415, { error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "m", request_id: "r" } })).toEqual(["undeclared status"]);
    expect(kinds(500, { error: { code: "INTERNAL_ERROR", message: "m", request_id: "r" } })).toEqual(["server error", "undeclared status"]);
    expect(kinds(200, bundle, "text/html")).toEqual(["schema mismatch"]);
    expect(kinds(404, "Not Found", "text/plain")).toEqual(["schema mismatch"]);
    expect(kinds(404, { error: { code: "CONFLICT", message: "m", request_id: "r" } })).toEqual(["schema mismatch"]);
    expect(kinds(0, "no response: socket hang up", "")).toEqual(["server error"]);
  });

  it("takes a declared non-envelope 503 body (the degraded health answer) by its own schema", ({ expect }) => {
    expect(kinds(503, { status: "degraded" })).toEqual(["server error"]);
    const healthOp = { ...op, key: "GET /v1/health" };
    expect(checkResponse(doc, healthOp, plan, 503, "application/json", JSON.stringify({ status: "degraded" }))).toEqual([]);
  });
});

describe("the fuzz's generator", () => {
  it("generates values that the response validator accepts (types, formats, bounds, pattern, nullable, allOf)", ({ expect }) => {
    const validate = doc.operations[0]?.responses.get("200")?.validators.get("application/json");
    if (validate === undefined) throw new Error("no validator");
    const arb = validValue({ $ref: "#/components/schemas/Bundle" }, { components: doc.components, hint: () => undefined });
    fc.assert(
      fc.property(arb, (value) => validate(value) === true),
      { seed: 16, numRuns: 300 },
    );
    expect(validate.errors ?? null).toBeNull();
  });

  it("writes strings for the lite patterns the API uses", ({ expect }) => {
    for (const pattern of ["^[A-Za-z0-9_-]+$", "^[A-Za-z0-9._:-]{1,128}$", "^\\d{1,15}$", "^[A-Za-z0-9!#$&^_.+-]+\\/[A-Za-z0-9!#$&^_.+-]+$"]) {
      const arb = patternString(pattern, 1, 100);
      if (arb === null) throw new Error(`pattern not handled: ${pattern}`);
      const re = new RegExp(pattern);
      for (const s of fc.sample(arb, { seed: 16, numRuns: 100 })) expect(re.test(s)).toBe(true);
    }
  });

  it("percent-encodes lone surrogates as invalid UTF-8 instead of throwing", ({ expect }) => {
    expect(encodeLoose("a\ud800b")).toBe("a%ED%A0%80b");
    expect(encodeLoose("😀 ")).toBe("%F0%9F%98%80%20");
  });

  it("forges tokens that keep the original signature but change the claims", ({ expect }) => {
    const token = `${Buffer.from('{"alg":"ES256","kid":"k"}').toString("base64url")}.${Buffer.from('{"sub":"u1","exp":9999999999}').toString("base64url")}.c2ln`;
    const [, payload, sig] = forge(token, "other-sub", "u2").split(".");
    expect(JSON.parse(Buffer.from(payload ?? "", "base64url").toString())).toMatchObject({ sub: "u2" });
    expect(sig).toBe("c2ln");
    expect(forge(token, "alg-none", "u2").endsWith(".")).toBe(true);
  });
});
