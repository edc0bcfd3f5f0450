import type { ErrorCode, ErrorDetail } from "./errors";

/**
 * Malformed Unicode never gets past an edge: what we acknowledge must be what we store, and a
 * lone surrogate (JSON `"\ud800"`) or an invalid UTF-8 byte would be stored as U+FFFD instead.
 * One check for every entry point: REST bodies, query strings, path segments and socket frames.
 */

/** A UTF-16 surrogate without its partner; in `u` mode a valid pair is one code point, so never matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** At most this many bad fields are named in one refusal. */
const MAX_DETAILS = 10;

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The text of UTF-8 bytes, or null when they are not valid UTF-8 (no silent U+FFFD). */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** A node still to visit, linked to its parent so a path is only built for a bad string. */
type Pending = { node: unknown; key: string | null; parent: Pending | null };

function pathOf(at: Pending | null): string[] {
  const path: string[] = [];
  for (let p = at; p !== null; p = p.parent) if (p.key !== null) path.push(p.key);
  return path.reverse();
}

/**
 * One detail per string (or object key) of a parsed JSON value that holds a lone surrogate.
 * Iterative and without per-node path copies: JSON.parse accepts nesting hundreds of thousands
 * deep, which would overflow a recursive walk's stack or cost quadratic time.
 */
export function malformedStrings(value: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const stack: Pending[] = [{ node: value, key: null, parent: null }];
  for (let at = stack.pop(); at !== undefined && details.length < MAX_DETAILS; at = stack.pop()) {
    const node = at.node;
    if (typeof node === "string") {
      if (!isWellFormed(node)) details.push(detail(pathOf(at)));
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], key: String(i), parent: at });
    } else if (typeof node === "object" && node !== null) {
      const entries = Object.entries(node);
      for (const [key] of entries) if (!isWellFormed(key)) details.push(detail(pathOf(at)));
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i];
        if (entry) stack.push({ node: entry[1], key: entry[0], parent: at });
      }
    }
  }
  return details.slice(0, MAX_DETAILS);
}

function detail(path: string[]): ErrorDetail {
  const message = "malformed Unicode (a lone surrogate)";
  return path.length > 0 ? { field: path.map((p) => (isWellFormed(p) ? p : "?")).join("."), message } : { message };
}

/** The bytes behind a percent-encoded URL component (`%E2%82%AC` → 3 bytes; other characters as UTF-8). */
function percentBytes(component: string): Uint8Array {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < component.length; i++) {
    const hex = component[i] === "%" ? component.slice(i + 1, i + 3) : "";
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      const codePoint = component.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  return Uint8Array.from(bytes);
}

/** True when a raw (still percent-encoded) URL component decodes to well-formed UTF-8 text. */
export function isWellFormedUrlComponent(component: string): boolean {
  if (!component.includes("%")) return isWellFormed(component);
  const text = decodeUtf8(percentBytes(component));
  return text !== null && isWellFormed(text);
}

/** The names (or positions) of query parameters whose raw name or value is not well-formed UTF-8. */
export function malformedQueryParams(search: string): string[] {
  const bad: string[] = [];
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query.length === 0) return bad;
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    if (isWellFormedUrlComponent(name) && isWellFormedUrlComponent(value)) continue;
    bad.push(isWellFormedUrlComponent(name) ? (decodeUtf8(percentBytes(name.replaceAll("+", " "))) ?? "query") : "query");
    if (bad.length >= MAX_DETAILS) break;
  }
  return bad;
}

export type ParsedJsonText = { ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string; details?: ErrorDetail[] };

/**
 * JSON text as every edge parses it: malformed JSON is BAD_REQUEST; a string that holds a lone
 * surrogate is VALIDATION_ERROR naming the field (the JSON is well-formed, one of its values is not).
 */
export function parseWellFormedJson(text: string, what: "body" | "frame"): ParsedJsonText {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "BAD_REQUEST", message: `The ${what} is not valid JSON.` };
  }
  const details = malformedStrings(value);
  if (details.length > 0) return { ok: false, code: "VALIDATION_ERROR", message: "Text must be well-formed Unicode.", details };
  return { ok: true, value };
}
