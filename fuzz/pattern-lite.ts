import fc from "fast-check";

/**
 * Strings for the regular expressions the API's schemas use: an anchored sequence of atoms (a
 * character class, `\d`, `\w`, an escaped or plain literal), each with an optional quantifier
 * (`?`, `*`, `+`, `{n}`, `{n,m}`). Anything beyond that returns null and the caller falls back to
 * filtering plain strings through the RegExp.
 */
interface Atom {
  chars: string[];
  min: number;
  max: number;
}

const DIGITS = "0123456789".split("");
const WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".split("");
/** Unbounded quantifiers generate at most this many repetitions (the caller clamps to maxLength). */
const OPEN_MAX = 24;

function classChars(body: string): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < body.length; i++) {
    let ch = body[i] ?? "";
    if (ch === "\\") {
      const next = body[i + 1] ?? "";
      i++;
      if (next === "d") {
        out.push(...DIGITS);
        continue;
      }
      if (next === "w") {
        out.push(...WORD);
        continue;
      }
      ch = next;
    }
    const dash = body[i + 1] === "-" && i + 2 < body.length;
    if (dash) {
      const end = body[i + 2] ?? "";
      for (let c = ch.charCodeAt(0); c <= end.charCodeAt(0); c++) out.push(String.fromCharCode(c));
      i += 2;
      continue;
    }
    out.push(ch);
  }
  return out.length > 0 ? [...new Set(out)] : null;
}

function parse(pattern: string): Atom[] | null {
  if (!pattern.startsWith("^") || !pattern.endsWith("$")) return null;
  const src = pattern.slice(1, -1);
  const atoms: Atom[] = [];
  let i = 0;
  while (i < src.length) {
    let chars: string[] | null;
    const ch = src[i] ?? "";
    if (ch === "[") {
      const close = src.indexOf("]", i + 2);
      if (close < 0 || src[i + 1] === "^") return null;
      chars = classChars(src.slice(i + 1, close));
      i = close + 1;
    } else if (ch === "\\") {
      const next = src[i + 1] ?? "";
      chars = next === "d" ? DIGITS : next === "w" ? WORD : /[A-Za-z0-9]/.test(next) ? null : [next];
      i += 2;
    } else if ("()|.*+?{".includes(ch)) {
      return null;
    } else {
      chars = [ch];
      i += 1;
    }
    if (chars === null) return null;
    let min = 1;
    let max = 1;
    const q = src[i];
    if (q === "?" || q === "*" || q === "+") {
      min = q === "+" ? 1 : 0;
      max = q === "?" ? 1 : OPEN_MAX;
      i += 1;
    } else if (q === "{") {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(src.slice(i));
      if (!m) return null;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[2] === "" ? min + OPEN_MAX : Number(m[2]);
      i += m[0].length;
    }
    atoms.push({ chars, min, max });
  }
  return atoms;
}

/** An arbitrary of strings matching `pattern` with a length in [minLength, maxLength], or null if the pattern is beyond the lite subset. */
export function patternString(pattern: string, minLength: number, maxLength: number): fc.Arbitrary<string> | null {
  const atoms = parse(pattern);
  if (atoms === null) return null;
  const re = new RegExp(pattern);
  // A single atom (the common `^[...]+$` / `^[...]{1,64}$`) takes the length bounds directly.
  const only = atoms.length === 1 ? atoms[0] : undefined;
  if (only !== undefined) {
    const lo = Math.max(only.min, minLength);
    const hi = Math.min(only.max === OPEN_MAX ? Math.max(maxLength, lo) : only.max, maxLength, lo + 64);
    if (lo > hi) return null;
    return fc.array(fc.constantFrom(...only.chars), { minLength: lo, maxLength: hi }).map((cs) => cs.join(""));
  }
  const parts = atoms.map((atom) =>
    fc.array(fc.constantFrom(...atom.chars), { minLength: atom.min, maxLength: Math.min(atom.max, atom.min + 16) }).map((cs) => cs.join("")),
  );
  return fc
    .tuple(...parts)
    .map((ps) => ps.join(""))
    .filter((s) => s.length >= minLength && s.length <= maxLength && re.test(s));
}
