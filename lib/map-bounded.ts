/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results in input order. The workers
 * share one iterator, so each item is taken exactly once. Fan-outs to many Durable Objects or
 * devices use it so one flush or queue message cannot open hundreds of subrequests at once.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const entries = items.entries();
  const worker = async (): Promise<void> => {
    for (const [index, item] of entries) results[index] = await fn(item);
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, worker));
  return results;
}
