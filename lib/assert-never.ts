/**
 * The default branch of a switch over a closed union (frame types, call states): the call only
 * compiles while every member has its own case, so a new member a switch forgets is a type error.
 * No imports, so the client SDK can use it as well. Reaching it at run time means the value was
 * not checked against its schema; the error names it.
 */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${describe(value)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
