import { inject } from "vitest";
import WebSocket from "ws";

export const base = inject("baseUrl");

let n = 0;
export function unique(prefix: string): string {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}${Math.random().toString(36).slice(2, 6)}`;
}

export interface E2eUser {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
  headers: Record<string, string>;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
}

export async function register(): Promise<E2eUser> {
  const email = `${unique("e2e")}@example.com`;
  const { status, body } = await api<{ user: { id: string }; access_token: string; refresh_token: string }>("POST", "/v1/auth/register", {
    email,
    username: unique("e2e_").slice(0, 30),
    password: "correct horse battery staple",
  });
  if (status !== 201) throw new Error(`register answered ${status}: ${JSON.stringify(body)}`);
  return {
    id: body.user.id,
    email,
    token: body.access_token,
    refreshToken: body.refresh_token,
    headers: { Authorization: `Bearer ${body.access_token}` },
  };
}

/** A real WebSocket client (the `ws` package) that collects JSON frames and can wait for one. */
export class FrameSocket {
  readonly frames: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(String(data)) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(path: string, user: E2eUser): Promise<FrameSocket> {
    const ticket = await api<{ ticket: string }>("POST", "/v1/ws/ticket", undefined, user.headers);
    if (ticket.status !== 201) throw new Error(`ticket answered ${ticket.status}`);
    const sep = path.includes("?") ? "&" : "?";
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}${path}${sep}ticket=${encodeURIComponent(ticket.body.ticket)}`);
    const socket = new FrameSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  async waitFor(match: (f: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}
