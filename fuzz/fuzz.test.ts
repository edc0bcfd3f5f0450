import { afterAll, beforeAll, describe, it } from "vitest";
import { snapshotOfHead, startDevStack, type DevStack } from "../scripts/lib/stack-launcher.mjs";
import { findingKey, fuzzOperation, shrinkFinding, type HttpRunner, type OperationRun, type Shrunk } from "./http-fuzz";
import { readDocument } from "./openapi-doc";
import { dedupe, summarize, summaryLine, table, wsTable } from "./report";
import { createFixtures, relogin } from "./stack-fixtures";
import { fuzzWebSockets } from "./ws-fuzz";

/**
 * The schema-driven fuzz: requests generated from /openapi.json for every operation against a real
 * stack, each response checked against the declared statuses, content types and schemas; then
 * hostile WebSocket frames. FUZZ_RUNS is the HTTP request budget, FUZZ_SEED the seed (fixed by
 * default, so CI is reproducible), FUZZ_ONLY limits the run to operations whose key contains it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? "16");
const RUNS = Number(process.env.FUZZ_RUNS ?? "700");
const ONLY = process.env.FUZZ_ONLY ?? "";
/** Requests each finding may spend on shrinking. */
const SHRINK_BUDGET = RUNS >= 5_000 ? 40 : 12;
/** Operations fuzzed at once (each one's requests go one after another). */
const PARALLEL = 6;

/** FUZZ_SOURCE=head (or a commit) runs a snapshot of that commit (immune to others' edits reloading `wrangler dev`); default: the working tree. */
const source = process.env.FUZZ_SOURCE;
const snapshot = source === undefined || source === "" || source === "live" ? undefined : snapshotOfHead(source === "head" ? "HEAD" : source);
let stack: DevStack | undefined;

beforeAll(async () => {
  stack = await startDevStack({
    statePrefix: "sc-fuzz-",
    printLogsOnStop: Boolean(process.env.FUZZ_KEEP_LOGS),
    ...(snapshot ? { sourceDir: snapshot.dir } : {}),
  });
});

afterAll(() => {
  stack?.stop();
  snapshot?.remove();
});

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) await fn(item);
      }
    }),
  );
}

describe(`schema-driven fuzz (seed ${SEED}, ${RUNS} requests)`, () => {
  it("answers every generated request with a declared status, content type and schema, and every hostile frame with an error frame", async ({ expect }) => {
    if (stack === undefined) throw new Error("no stack");
    console.log(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), budget ${RUNS} requests`);
    const doc = readDocument(await (await fetch(`${stack.baseUrl}/openapi.json`)).json());
    const fixtures = await createFixtures(stack.baseUrl, 8);
    const runner: HttpRunner = { fixtures, doc, requests: 0, findings: [] };
    const operations = doc.operations.filter((op) => op.key.includes(ONLY));
    const perOp = Math.max(1, Math.ceil(RUNS / operations.length));
    const started = Date.now();
    const runs: OperationRun[] = [];
    await pool(operations, PARALLEL, async (op) => {
      runs.push(await fuzzOperation(runner, op, SEED, perOp));
    });
    const fuzzRequests = runner.requests;
    const fuzzSeconds = (Date.now() - started) / 1000;

    // Shrink the first request of every distinct finding to a small replayable one.
    const shrunk = new Map<string, Shrunk>();
    const jobs = runs.flatMap((run) => [...run.firsts.entries()].map(([key, first]) => ({ run, key, index: first.index })));
    await pool(jobs, PARALLEL, async ({ run, key, index }) => {
      const result = await shrinkFinding(runner, run, key, index, SHRINK_BUDGET);
      if (result !== undefined) shrunk.set(key, result);
    });

    // The socket phase's three actors start signed in (a fuzzed logout or password change may have ended their sessions).
    for (const actor of fixtures.actors.slice(0, 3)) await relogin(stack.baseUrl, actor);
    // A socket phase that cannot even run (the stack died, a refused upgrade) is a finding too, after the HTTP table.
    const ws = await fuzzWebSockets(fixtures, SEED).catch((err: unknown) => ({
      frames: 0,
      findings: [{ socket: "chat" as const, frame: "(setup)", problem: err instanceof Error ? err.message : String(err) }],
    }));
    const rows = dedupe(runner.findings.filter((f) => runs.some((r) => r.firsts.has(findingKey(f)))));
    const summary = summarize(fuzzRequests, rows);
    console.log(table(rows, shrunk, SEED));
    console.log(wsTable(ws.findings));
    console.log(
      `fuzz: ${operations.length} operations, ${fuzzRequests} requests in ${fuzzSeconds.toFixed(1)} s, ${runner.requests - fuzzRequests} shrink requests, ${ws.frames} socket frames`,
    );
    if (summary.forgedAccepted > 0) console.log(`fuzz: ${summary.forgedAccepted} operations accepted a forged or garbage token`);
    console.log(summaryLine(summary));
    expect(fuzzRequests).toBeGreaterThanOrEqual(Math.min(RUNS, operations.length * perOp));
    expect({ ...summary, requests: undefined, socketFindings: ws.findings.length }).toEqual({
      requests: undefined,
      serverErrors: 0,
      undeclared: 0,
      mismatches: 0,
      forgedAccepted: 0,
      socketFindings: 0,
    });
  });
});
