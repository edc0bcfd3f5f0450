import { WorkerEntrypoint } from "cloudflare:workers";

interface LimitProps {
  namespace: string;
  limit: number;
  period: number;
}

/** Fixed windows per (namespace, key), like the binding's `simple = { limit, period }`. */
const windows = new Map<string, { start: number; count: number }>();

export class RateLimit extends WorkerEntrypoint<unknown, LimitProps> {
  async limit(options: { key: string }): Promise<{ success: boolean }> {
    const { namespace, limit, period } = this.ctx.props;
    const now = Date.now();
    const id = `${namespace}:${options.key}`;
    let window = windows.get(id);
    if (!window || now - window.start >= period * 1000) {
      window = { start: now, count: 0 };
      windows.set(id, window);
    }
    window.count++;
    return { success: window.count <= limit };
  }
}

export default {
  fetch(): Response {
    return new Response("bench rate-limit shim", { status: 404 });
  },
} satisfies ExportedHandler;
