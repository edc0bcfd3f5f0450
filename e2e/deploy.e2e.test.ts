// `npm run deploy` (scripts/deploy.mjs): the pure plan (scripts/lib/deploy-plan.mjs), and the dry run that
// builds the five upload bundles from the committed configs and must find them production-only.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import { deployOrder, environmentFromDryRun, missingSecrets, readConfig, resourcesToCreate } from "../scripts/lib/deploy-plan.mjs";

const root = path.resolve(import.meta.dirname, "..");
const CONFIGS = ["wrangler.toml", "workers/auth/wrangler.toml", "workers/chat/wrangler.toml", "workers/calls/wrangler.toml", "workers/storage/wrangler.toml"];
const configs = CONFIGS.map((p) => ({ path: p, config: readConfig(readFileSync(path.join(root, p), "utf8")) }));
const config = (p: string) => {
  const found = configs.find((c) => c.path === p);
  if (!found) throw new Error(p);
  return found.config;
};

describe("deploy plan", () => {
  it("every committed config deploys ENVIRONMENT = production", ({ expect }) => {
    for (const c of configs) expect(c.config.tables.vars?.ENVIRONMENT, c.path).toBe("production");
  });

  it("creates D1, KV, R2 and every queue with its dead-letter queue once; Hyperdrive only for postgres, with caching off", ({ expect }) => {
    const d1 = resourcesToCreate(configs).map((r) => r.command.join(" "));
    expect(d1).toEqual(
      expect.arrayContaining([
        "d1 create secureconnect",
        "kv namespace create KV",
        "r2 bucket create secureconnect-files",
        "queues create secureconnect-email",
        "queues create secureconnect-email-dlq",
        "queues create secureconnect-push",
        "queues create secureconnect-push-dlq",
      ]),
    );
    expect(new Set(d1).size).toBe(d1.length);
    expect(d1.some((c) => c.startsWith("hyperdrive"))).toBe(false);
    const pg = resourcesToCreate(configs, { backend: "postgres" }).find((r) => r.kind === "hyperdrive");
    expect(pg?.command).toContain("--caching-disabled");
    // The committed ids are placeholders: the plan says which configs need the real D1 id.
    const db = resourcesToCreate(configs).find((r) => r.kind === "d1");
    expect(db?.placeholder).toBe(true);
    expect(db?.configs).toEqual(expect.arrayContaining(["workers/auth/wrangler.toml", "workers/storage/wrangler.toml"]));
  });

  it("deploys each worker after the workers it binds to, the gateway last", ({ expect }) => {
    const { order } = deployOrder(configs);
    expect(order).toHaveLength(5);
    expect(order.at(-1)).toBe("wrangler.toml");
    expect(order.indexOf("workers/chat/wrangler.toml")).toBeLessThan(order.indexOf("workers/calls/wrangler.toml"));
    const chain = [
      { path: "a", config: readConfig('name = "a"\n[[services]]\nservice = "b"\n') },
      { path: "b", config: readConfig('name = "b"\n[[durable_objects.bindings]]\nname = "X"\nscript_name = "c"\n') },
      { path: "c", config: readConfig('name = "c"\n') },
      { path: "gw", config: readConfig('name = "gw"\nworkers_dev = true\n[[services]]\nservice = "a"\n') },
    ];
    expect(deployOrder(chain)).toEqual({ order: ["c", "b", "a", "gw"], cycles: [] });
    const loop = [
      { path: "x", config: readConfig('name = "x"\n[[services]]\nservice = "y"\n') },
      { path: "y", config: readConfig('name = "y"\n[[services]]\nservice = "x"\n') },
    ];
    expect(deployOrder(loop).cycles).toEqual([["x", "y", "x"]]);
  });

  it("names the unset production secrets from `wrangler secret list` JSON, SMTP login as optional", ({ expect }) => {
    expect(missingSecrets(config("workers/auth/wrangler.toml"), "[]")).toEqual({
      required: ["JWT_SIGNING_KEYS"],
      optional: ["SMTP_USERNAME", "SMTP_PASSWORD"],
    });
    expect(missingSecrets(config("workers/auth/wrangler.toml"), JSON.stringify([{ name: "JWT_SIGNING_KEYS", type: "secret_text" }]))).toEqual({
      required: [],
      optional: ["SMTP_USERNAME", "SMTP_PASSWORD"],
    });
    expect(missingSecrets(config("workers/storage/wrangler.toml"), JSON.stringify([{ name: "R2_ACCOUNT_ID", type: "secret_text" }])).required).toEqual([
      "R2_ACCESS_KEY_ID",
      "R2_SECRET_ACCESS_KEY",
    ]);
    expect(missingSecrets(config("workers/chat/wrangler.toml"), "not json").required).toEqual(["FCM_SERVICE_ACCOUNT", "VAPID_PRIVATE_KEY"]);
    // Calls needs the secret of the mode its vars select (SFU by default), not every declared one.
    expect(missingSecrets(config("workers/calls/wrangler.toml"), "[]").required).toEqual(["REALTIME_APP_SECRET"]);
    const turn = readConfig(
      '[vars]\nTURN_KEY_ID = "k"\nGROUP_CALL_PROVIDER = "realtimekit"\n[secrets]\nrequired = ["TURN_KEY_API_TOKEN", "TURN_SHARED_SECRET", "REALTIME_APP_SECRET", "REALTIMEKIT_API_KEY"]\n',
    );
    expect(missingSecrets(turn, "[]").required).toEqual(["TURN_KEY_API_TOKEN", "REALTIMEKIT_API_KEY"]);
  });

  it("reads ENVIRONMENT from wrangler's dry-run binding table", ({ expect }) => {
    expect(environmentFromDryRun('env.ENVIRONMENT ("production")      Environment Variable')).toBe("production");
    expect(environmentFromDryRun("no bindings")).toBeUndefined();
  });
});

describe("npm run deploy -- --dry-run", () => {
  it("builds all five bundles from the production configs, with no .dev.vars value in them", ({ expect }) => {
    const run = spawnSync(process.execPath, ["scripts/deploy.mjs", "--dry-run"], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    for (const worker of ["gateway", "auth", "chat", "calls", "storage"]) {
      expect(output).toMatch(new RegExp(`\\[deploy\\] ${worker}: ok \\(dist/${worker}/index\\.js \\d+ KiB, ENVIRONMENT=production\\)`));
    }
    // Each bundle exists and holds none of the local secrets the dev launcher generated.
    const values = ["workers/auth/.dev.vars", "workers/storage/.dev.vars", "workers/calls/.dev.vars"].flatMap((f) => {
      try {
        return [...readFileSync(path.join(root, f), "utf8").matchAll(/^[A-Z0-9_]+='([^'\n]{8,})'$/gm)].map((m) => m[1] ?? "");
      } catch {
        return [];
      }
    });
    for (const worker of ["gateway", "auth", "chat", "calls", "storage"]) {
      const bundle = readFileSync(path.join(root, "dist", worker, "index.js"), "utf8");
      for (const value of values) expect(bundle.includes(value)).toBe(false);
    }
  }, 180_000);
});
