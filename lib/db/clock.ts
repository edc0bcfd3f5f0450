/** Every stored time is this format (ISO-8601 UTC, millisecond, fixed width): text order = time order. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Splits rows so one statement stays under D1's 100 bound parameters per query. */
export function chunk<T>(items: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(100 / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
