import { env } from "cloudflare:workers";
import { FakeRealtimeKit } from "./realtime-kit";
import { FakeRealtimeSfu } from "./realtime-sfu";
import { FakeRealtimeTurn } from "./realtime-turn";

/**
 * Puts the Cloudflare Realtime fakes at the network boundary: requests to the hosts configured in
 * test/wrangler.test.toml (REALTIME_API_BASE, REALTIMEKIT_API_BASE, which do not exist) are
 * answered by the fakes; every other request goes to the real `fetch`. Tests and workers share one
 * isolate under vitest-pool-workers, so the workers' outbound `fetch` reaches this too.
 */
/** The TURN key id the fake accepts; tests that want Cloudflare TURN set TURN_KEY_ID to it. */
export const FAKE_TURN_KEY_ID = "test-turn-key";

export interface RealtimeFakes {
  sfu: FakeRealtimeSfu;
  turn: FakeRealtimeTurn;
  kit: FakeRealtimeKit;
  uninstall(): void;
}

export function installRealtimeFakes(): RealtimeFakes {
  const realtime = new URL(env.REALTIME_API_BASE);
  const kitBase = new URL(env.REALTIMEKIT_API_BASE);
  const sfu = new FakeRealtimeSfu(env.REALTIME_APP_ID, env.REALTIME_APP_SECRET);
  const turn = new FakeRealtimeTurn(FAKE_TURN_KEY_ID, env.TURN_KEY_API_TOKEN);
  const kit = new FakeRealtimeKit(env.REALTIMEKIT_ORG_ID, env.REALTIMEKIT_API_KEY);
  const original = globalThis.fetch;
  const faked: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.host === realtime.host && url.pathname.startsWith(realtime.pathname)) {
      const path = url.pathname.slice(realtime.pathname.length);
      return path.startsWith("/turn/") ? turn.handle(request, path) : sfu.handle(request, path);
    }
    if (url.host === kitBase.host && url.pathname.startsWith(kitBase.pathname)) return kit.handle(request, url.pathname.slice(kitBase.pathname.length));
    return original(input, init);
  };
  globalThis.fetch = faked;
  return { sfu, turn, kit, uninstall: () => void (globalThis.fetch = original) };
}
