// CPU-profiles one worker of a running `wrangler dev` through its devtools inspector (the DevTools
// protocol over a WebSocket), and summarises self time by function and by source file.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";

/** Connects to workerd's inspector target `core:user:<workerName>`; `ports` = workerd's listening ports. */
export async function attachProfiler(ports, workerName) {
  let targets;
  let base;
  search: for (const port of ports) {
    for (const host of ["127.0.0.1", "[::1]"]) {
      try {
        const res = await fetch(`http://${host}:${port}/json`, { signal: AbortSignal.timeout(2000) });
        const json = await res.json();
        if (Array.isArray(json) && json.some((t) => String(t.id).startsWith("core:"))) {
          targets = json;
          base = `${host}:${port}`;
          break search;
        }
      } catch {
        // not the inspector
      }
    }
  }
  if (!targets) throw new Error(`workerd inspector not found among ports ${ports.join(", ")}`);
  const target = targets.find((t) => t.id === `core:user:${workerName}`);
  if (!target) throw new Error(`no inspector target for ${workerName}: ${targets.map((t) => t.title).join(", ")}`);
  const ws = new WebSocket(`ws://${base}/${target.id}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id !== undefined && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const msgId = ++id;
      pending.set(msgId, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id: msgId, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    title: target.title,
    start: () => send("Profiler.start"),
    /** Stops, writes the .cpuprofile, and returns the top self-time entries. */
    stop: async (outfile) => {
      const { profile } = await send("Profiler.stop");
      if (outfile) {
        mkdirSync(path.dirname(outfile), { recursive: true });
        writeFileSync(outfile, JSON.stringify(profile));
      }
      return summarise(profile);
    },
    close: () => ws.close(),
  };
}

export function summarise(profile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const byFile = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const fn = node?.callFrame.functionName || "(anonymous)";
    if (fn === "(idle)" || fn === "(program)") continue;
    busy += dt;
    const file = (node?.callFrame.url ?? "").split("/").slice(-2).join("/");
    const key = `${fn} ${file}:${(node?.callFrame.lineNumber ?? 0) + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    byFile.set(fn === "(garbage collector)" ? "(gc)" : file || "(native)", (byFile.get(file) ?? 0) + dt);
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ what: k, ms: Math.round(us / 100) / 10, share: busy ? Math.round((us / busy) * 1000) / 10 : 0 }));
  return { busy_ms: Math.round(busy / 1000), functions: rank(self) };
}
