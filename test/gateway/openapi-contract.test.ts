import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

/**
 * /openapi.json must tell the truth: every status a route can answer is declared, with the error
 * envelope as its JSON body. Walks the whole document, so a route added later is held to it too.
 */
type Schema = { $ref?: string; type?: string | string[]; anyOf?: Schema[]; oneOf?: Schema[]; properties?: Record<string, Schema> };
type Response = { description: string; content?: Record<string, { schema?: Schema }> };
type Operation = {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, unknown> };
  security?: unknown[];
  responses: Record<string, Response>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

const METHODS = new Set(["get", "put", "post", "delete", "patch"]);
const ERROR_REF = "#/components/schemas/Error";

async function openapi(): Promise<Doc> {
  const res = await exports.default.fetch("http://sc.test/openapi.json");
  return res.json<Doc>();
}

function operations(doc: Doc): { name: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })),
  );
}

/** What a route's own shape says it can answer, whatever its handler does. */
function requiredStatuses(path: string, op: Operation): string[] {
  const statuses = ["500"];
  const hasInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
  if (hasInput) statuses.push("400");
  if ((op.security?.length ?? 0) > 0) statuses.push("401");
  if (op.requestBody) statuses.push("413", "415");
  // Every /v1 route is behind the per-IP limit, every authenticated one behind the per-user limit.
  if (path.startsWith("/v1/") || (op.security?.length ?? 0) > 0) statuses.push("429");
  return statuses;
}

describe("/openapi.json declares what each route can answer", () => {
  it("each operation declares 400 for input, 401 for security, 413/415 for a body, 429 behind a limit, and 500", async ({ expect }) => {
    const doc = await openapi();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const { name, path, op } of ops) {
      for (const status of requiredStatuses(path, op)) if (!op.responses[status]) missing.push(`${name}: ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it("every error response carries an application/json body; the common ones are the error envelope", async ({ expect }) => {
    const doc = await openapi();
    const wrong: string[] = [];
    for (const { name, path, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.["application/json"]?.schema;
        if (!schema) wrong.push(`${name} ${status}: no application/json schema`);
        else if (requiredStatuses(path, op).includes(status) && schema.$ref !== ERROR_REF) wrong.push(`${name} ${status}: ${JSON.stringify(schema)}`);
      }
    }
    expect(wrong).toEqual([]);
    const envelope = doc.components.schemas.Error;
    expect(envelope?.properties?.error?.properties?.code).toBeDefined();
    expect(JSON.stringify(envelope)).toContain("UNSUPPORTED_MEDIA_TYPE");
  });

  it("documents one_time_prekey as nullable, as GET /v1/keys/{user_id} returns it", async ({ expect }) => {
    const doc = await openapi();
    const bundle = doc.components.schemas.DeviceKeyBundle;
    const prekey = bundle?.properties?.one_time_prekey;
    expect(prekey).toBeDefined();
    const variants = prekey?.anyOf ?? prekey?.oneOf ?? [prekey ?? {}];
    expect(variants.some((v) => v.type === "null" || (Array.isArray(v.type) && v.type.includes("null")))).toBe(true);
    expect(variants.some((v) => v.$ref === "#/components/schemas/OneTimePrekey")).toBe(true);
  });

  it("no nullable named schema is documented as allOf [$ref, null] (which no value, null included, matches)", async ({ expect }) => {
    const doc = await openapi();
    const bad: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${at}/${i}`));
      else if (typeof node === "object" && node !== null) {
        const allOf = (node as { allOf?: Schema[] }).allOf;
        if (allOf?.some((s) => s.$ref) && allOf.some((s) => s.type === "null" || (Array.isArray(s.type) && s.type.includes("null")))) bad.push(at);
        for (const [key, value] of Object.entries(node)) visit(value, `${at}/${key}`);
      }
    };
    visit(doc, "#");
    expect(bad).toEqual([]);
  });

  it("numeric query and path parameters are documented as integers", async ({ expect }) => {
    const doc = await openapi();
    const numeric = ["limit", "before_seq", "after_seq", "since_seq", "seq"];
    const found: string[] = [];
    for (const { name, op } of operations(doc)) {
      for (const p of (op.parameters ?? []) as { in: string; name: string; schema?: Schema }[]) {
        if (!numeric.includes(p.name)) continue;
        found.push(`${name} ${p.name}: ${String(p.schema?.type)}`);
      }
    }
    expect(found.length).toBeGreaterThan(8);
    expect(found.filter((f) => !f.endsWith(": integer"))).toEqual([]);
  });
});
