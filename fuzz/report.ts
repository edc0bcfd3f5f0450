import type { Finding, Shrunk } from "./http-fuzz";
import type { WsFinding } from "./ws-fuzz";

/** One row per (operation, status, kind), with how often it happened and one example. */
export interface FindingRow {
  key: string;
  op: string;
  status: number;
  kind: Finding["kind"];
  count: number;
  variants: string[];
  detail: string;
}

export function dedupe(findings: Finding[]): FindingRow[] {
  const rows = new Map<string, FindingRow>();
  for (const f of findings) {
    const key = `${f.op}|${f.status}|${f.kind}`;
    const row = rows.get(key) ?? { key, op: f.op, status: f.status, kind: f.kind, count: 0, variants: [], detail: f.detail };
    row.count += 1;
    if (!row.variants.includes(f.variant)) row.variants.push(f.variant);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.op.localeCompare(b.op) || a.status - b.status);
}

export interface Summary {
  requests: number;
  serverErrors: number;
  undeclared: number;
  mismatches: number;
  forgedAccepted: number;
}

export function summarize(requests: number, rows: FindingRow[]): Summary {
  const count = (kind: Finding["kind"]) => rows.filter((r) => r.kind === kind).length;
  return {
    requests,
    serverErrors: count("server error"),
    undeclared: count("undeclared status"),
    mismatches: count("schema mismatch"),
    forgedAccepted: count("forged token accepted"),
  };
}

/** The line CI greps: counts are distinct (operation, status, kind) findings, not responses. */
export function summaryLine(s: Summary): string {
  return `fuzz: ${s.requests} requests, ${s.serverErrors} server errors, ${s.undeclared} undeclared statuses, ${s.mismatches} schema mismatches`;
}

export function table(rows: FindingRow[], shrunk: Map<string, Shrunk>, seed: number): string {
  if (rows.length === 0) return "no findings";
  const lines = ["| kind | operation | status | responses | variants | example detail |", "|---|---|---|---|---|---|"];
  for (const r of rows)
    lines.push(
      `| ${r.kind} | ${r.op} | ${r.status} | ${r.count} | ${r.variants.slice(0, 4).join(" ")} | ${r.detail.replace(/\|/g, "\\|").replace(/\s+/g, " ").slice(0, 160)} |`,
    );
  const replays = rows
    .map((r) => shrunk.get(r.key))
    .filter((s): s is Shrunk => s !== undefined)
    .map(
      (s) =>
        `- ${s.key.replace(/\|/g, " ")}\n  replay: FUZZ_SEED=${seed} FUZZ_ONLY='${s.key.split("|")[0] ?? ""}' (operation seed ${s.seed}, path ${s.path}, ${s.attempts} shrink requests)\n  ${s.request}`,
    );
  return [...lines, "", "Shrunk requests:", ...replays].join("\n");
}

export function wsTable(findings: WsFinding[]): string {
  if (findings.length === 0) return "sockets: no findings";
  return [
    "| socket | frame | problem |",
    "|---|---|---|",
    ...findings.map((f) => `| ${f.socket} | ${f.frame} | ${f.problem.replace(/\|/g, "\\|").slice(0, 200)} |`),
  ].join("\n");
}
