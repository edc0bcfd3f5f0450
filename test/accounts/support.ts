/**
 * Helpers of the account deletion and export tests: the route calls, and scans that look for a
 * user's id or content in every D1 table, every table of a Durable Object's SQLite and R2.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { BASE, type TestUser } from "../helpers/auth";

export function deleteAccount(user: TestUser, body: unknown, headers: Record<string, string> = user.headers): Promise<Response> {
  return exports.default.fetch(`${BASE}/v1/users/me`, { method: "DELETE", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

type Row = Record<string, SqlStorageValue>;
export type Hit = { table: string; row: Row };

/** Every row of every D1 table whose text contains one of `needles`. */
export async function d1RowsMentioning(needles: readonly string[]): Promise<Hit[]> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{
    name: string;
  }>();
  const hits: Hit[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Row>();
    for (const row of rows.results) if (needles.some((n) => JSON.stringify(row).includes(n))) hits.push({ table: name, row });
  }
  return hits;
}

/** Every row of every table of a Durable Object's SQLite whose text contains one of `needles`. */
export async function doRowsMentioning(stub: DurableObjectStub, needles: readonly string[]): Promise<Hit[]> {
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray();
    const hits: Hit[] = [];
    for (const { name } of tables) {
      for (const row of sql.exec<Row>(`SELECT * FROM "${name}"`).toArray())
        if (needles.some((n) => JSON.stringify(row).includes(n))) hits.push({ table: name, row });
    }
    return hits;
  });
}

export const roomStub = (conversationId: string) => env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(conversationId));
export const deviceStub = (deviceId: string) => env.DEVICE_ROOM.get(env.DEVICE_ROOM.idFromName(deviceId));

/** R2 object keys containing `needle`. */
export async function r2KeysMentioning(needle: string): Promise<string[]> {
  const listed = await env.FILES_BUCKET.list({ limit: 1000 });
  return listed.objects.map((o) => o.key).filter((k) => k.includes(needle));
}

/** Waits for the erasure to finish: its last step deletes the user's sessions (the second walk runs 1 s after the first in tests). */
export async function erasureDone(userId: string, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?").bind(userId).first<{ n: number }>();
    if (row?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`erasure of ${userId} did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function deviceIdsOf(user: TestUser): Promise<string[]> {
  const res = await exports.default.fetch(`${BASE}/v1/users/me/devices`, { headers: user.headers });
  return (await res.json<{ devices: { device_id: string }[] }>()).devices.map((d) => d.device_id);
}
