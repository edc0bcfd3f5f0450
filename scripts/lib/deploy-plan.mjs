// Pure planning for `npm run deploy` (scripts/deploy.mjs): what to create, in which order to deploy,
// which production secrets are unset. No I/O here, so e2e/deploy-plan.e2e.test.ts can check it directly.

/**
 * Reads the parts of a wrangler.toml the deploy needs: top-level keys, [tables] and [[arrays of tables]]
 * with `key = "string"`, numbers and one-line string arrays. Not a general TOML parser; our configs
 * use nothing else.
 */
export function readConfig(source) {
  const config = { top: {}, tables: {}, arrays: {} };
  let target = config.top;
  for (const raw of source.split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const array = /^\[\[([^\]]+)\]\]$/.exec(line);
    if (array) {
      const name = array[1].trim();
      target = {};
      (config.arrays[name] ??= []).push(target);
      continue;
    }
    const table = /^\[([^\]]+)\]$/.exec(line);
    if (table) {
      target = config.tables[table[1].trim()] ??= {};
      continue;
    }
    const pair = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair;
    if (value.startsWith('"')) target[key] = JSON.parse(value);
    else if (value.startsWith("[") && value.endsWith("]")) target[key] = [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    else target[key] = value;
  }
  return config;
}

const PLACEHOLDER_ID = /^0{8}-?0{4}-?4?0{3}-?8?0{3}-?0{11}1$|^0{31}1$/;

/** The local configs carry placeholder ids; a real deploy needs the account's ids written in their place. */
export function isPlaceholderId(id) {
  return typeof id !== "string" || id === "" || PLACEHOLDER_ID.test(id);
}

/**
 * Every account resource the configs name, each once: D1, KV, R2, queues (with their dead-letter
 * queues) and, for DB_BACKEND=postgres, Hyperdrive. `configs` is [{ path, config }].
 */
export function resourcesToCreate(configs, { backend = "d1" } = {}) {
  const seen = new Set();
  const out = [];
  const add = (key, item) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(item);
  };
  for (const { path, config } of configs) {
    for (const d1 of config.arrays.d1_databases ?? []) {
      add(`d1:${d1.database_name}`, {
        kind: "d1",
        name: d1.database_name,
        command: ["d1", "create", d1.database_name],
        writes: `database_id of [[d1_databases]] binding "${d1.binding}"`,
        configs: configs.filter((c) => (c.config.arrays.d1_databases ?? []).some((x) => x.database_name === d1.database_name)).map((c) => c.path),
        placeholder: isPlaceholderId(d1.database_id),
      });
    }
    for (const kv of config.arrays.kv_namespaces ?? []) {
      add(`kv:${kv.binding}`, {
        kind: "kv",
        name: kv.binding,
        command: ["kv", "namespace", "create", kv.binding],
        writes: `id of [[kv_namespaces]] binding "${kv.binding}"`,
        configs: configs.filter((c) => (c.config.arrays.kv_namespaces ?? []).some((x) => x.binding === kv.binding)).map((c) => c.path),
        placeholder: isPlaceholderId(kv.id),
      });
    }
    for (const r2 of config.arrays.r2_buckets ?? []) {
      add(`r2:${r2.bucket_name}`, { kind: "r2", name: r2.bucket_name, command: ["r2", "bucket", "create", r2.bucket_name], configs: [path] });
    }
    const queues = [
      ...(config.arrays["queues.producers"] ?? []).map((q) => q.queue),
      ...(config.arrays["queues.consumers"] ?? []).flatMap((q) => [q.dead_letter_queue, q.queue]),
    ].filter((q) => typeof q === "string" && q.length > 0);
    for (const queue of queues) add(`queue:${queue}`, { kind: "queue", name: queue, command: ["queues", "create", queue], configs: [path] });
    if (backend === "postgres") {
      for (const hd of config.arrays.hyperdrive ?? []) {
        add(`hyperdrive:${hd.binding}`, {
          kind: "hyperdrive",
          name: "secureconnect",
          // Query caching must stay off for this workload (schema/README.md).
          command: ["hyperdrive", "create", "secureconnect", "--connection-string=<postgres://user:password@host:5432/db>", "--caching-disabled"],
          writes: `id of [[hyperdrive]] binding "${hd.binding}"`,
          configs: configs.filter((c) => (c.config.arrays.hyperdrive ?? []).length > 0).map((c) => c.path),
          placeholder: isPlaceholderId(hd.id),
        });
      }
    }
  }
  return out;
}

/** The worker names a config's bindings need deployed first (services and Durable Objects of another script). */
export function dependenciesOf(config) {
  const own = config.top.name;
  const deps = [...(config.arrays.services ?? []).map((s) => s.service), ...(config.arrays["durable_objects.bindings"] ?? []).map((d) => d.script_name)];
  return [...new Set(deps.filter((d) => typeof d === "string" && d !== own))];
}

/**
 * Deploy order: every worker after the workers it binds to, the public gateway (`workers_dev = true`)
 * last. A cycle (two workers binding each other) cannot be ordered: its workers come in config order,
 * and `cycles` names them, because on a fresh account the first of them needs the other to exist.
 */
export function deployOrder(configs) {
  const byName = new Map(configs.map((c) => [c.config.top.name, c]));
  const order = [];
  const state = new Map();
  const cycles = [];
  const visit = (name, stack) => {
    if (state.get(name) === "done" || !byName.has(name)) return;
    if (state.get(name) === "visiting") {
      cycles.push([...stack.slice(stack.indexOf(name)), name]);
      return;
    }
    state.set(name, "visiting");
    for (const dep of dependenciesOf(byName.get(name).config)) visit(dep, [...stack, name]);
    state.set(name, "done");
    order.push(byName.get(name));
  };
  const isPublic = (c) => c.config.top.workers_dev === "true";
  for (const c of [...configs.filter((c) => !isPublic(c)), ...configs.filter(isPublic)]) visit(c.config.top.name, []);
  return { order: order.map((c) => c.path), cycles };
}

/** Names in `wrangler secret list --format json` output ([{ name, type }]); anything unreadable is no names. */
export function secretNames(listJson) {
  try {
    const parsed = JSON.parse(listJson);
    return Array.isArray(parsed) ? parsed.flatMap((s) => (s && typeof s.name === "string" ? [s.name] : [])) : [];
  } catch {
    return [];
  }
}

/**
 * The production secrets a worker needs given its vars: a secret is required when the feature it
 * belongs to is on (calls: each mode its var selects), optional otherwise (SMTP login).
 */
export function neededSecrets(config) {
  const vars = config.tables.vars ?? {};
  const declared = config.tables.secrets?.required ?? [];
  const set = (name) => typeof vars[name] === "string" && vars[name].length > 0;
  const optional = new Set(["SMTP_USERNAME", "SMTP_PASSWORD"]);
  const callsMode = {
    TURN_KEY_API_TOKEN: set("TURN_KEY_ID"),
    TURN_SHARED_SECRET: set("TURN_URLS"),
    REALTIME_APP_SECRET: vars.GROUP_CALL_PROVIDER !== "realtimekit",
    REALTIMEKIT_API_KEY: vars.GROUP_CALL_PROVIDER === "realtimekit",
  };
  const required = declared.filter((name) => !optional.has(name) && (callsMode[name] ?? true));
  return { required, optional: declared.filter((name) => optional.has(name)) };
}

/** Which needed secrets `wrangler secret list` does not show: names only, never values. */
export function missingSecrets(config, listJson) {
  const present = new Set(secretNames(listJson));
  const { required, optional } = neededSecrets(config);
  return { required: required.filter((n) => !present.has(n)), optional: optional.filter((n) => !present.has(n)) };
}

/** What a dry-run bundle must show: ENVIRONMENT "production" among the bindings wrangler printed. */
export function environmentFromDryRun(output) {
  const match = /env\.ENVIRONMENT \("([^"]*)"\)/.exec(output);
  return match ? match[1] : undefined;
}
