import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors";
import { decodeUtf8, parseWellFormedJson } from "../well-formed-text";

/**
 * `application/json` or `application/<suffix>+json`, with parameters: exactly what the route's
 * own media-type gate (@hono/zod-openapi) accepts, so a body that passes here is read as JSON there.
 */
const JSON_CONTENT_TYPE = /^application\/([a-z.-]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** JSON text is UTF-8 (RFC 8259): a body that declares another charset would be misread, so it is refused. */
function declaresOtherCharset(contentType: string): boolean {
  return contentType
    .split(";")
    .slice(1)
    .some((param) => {
      const [name = "", value = ""] = param.split("=").map((part) => part.trim().toLowerCase());
      return name === "charset" && value.replace(/^"|"$/g, "") !== "utf-8";
    });
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_CONTENT_TYPE.test(contentType) && !declaresOtherCharset(contentType);
}

/**
 * Put in front of every JSON body route (see route-contract.ts). Any other content type, or none
 * (unless the route's body is optional and none was sent), is 415 UNSUPPORTED_MEDIA_TYPE (a `text/plain` POST needs no CORS preflight, so any web page can
 * send one). The body must be UTF-8 (400 BAD_REQUEST) and JSON (400 BAD_REQUEST) whose strings are
 * well-formed Unicode (400 VALIDATION_ERROR): what we acknowledge is then exactly what we store.
 * The parsed value is handed to the route's validator, which would otherwise parse the body again.
 */
export function jsonBodyGuard({ optional }: { optional: boolean } = { optional: false }): MiddlewareHandler {
  return async function jsonBodyGuardMiddleware(c, next) {
    // An optional body may be left out entirely: no content type and nothing sent.
    if (optional && c.req.header("content-type") === undefined && (await c.req.raw.clone().arrayBuffer()).byteLength === 0) {
      await next();
      return;
    }
    if (!isJsonContentType(c.req.header("content-type"))) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "This route takes a JSON body: send Content-Type: application/json (UTF-8).");
    }
    const text = decodeUtf8(await c.req.arrayBuffer());
    if (text === null) throw new AppError("BAD_REQUEST", "The body is not valid UTF-8.");
    const parsed = parseWellFormedJson(text, "body");
    if (!parsed.ok) throw new AppError(parsed.code, parsed.message, parsed.details);
    c.req.bodyCache.json = Promise.resolve(parsed.value);
    await next();
  };
}
