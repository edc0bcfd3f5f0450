import { accountsContract } from "./accounts";
import { accountControlsContract } from "./account-controls";
import { callsContract } from "./calls";
import { conversationsContract } from "./conversations";
import type { OpenDb } from "./fixtures";
import { filesContract } from "./files";
import { keysContract } from "./keys";
import { sessionsContract } from "./sessions";
import { usersContract } from "./users";

export type { OpenDb } from "./fixtures";

/**
 * The repository contract: every backend must pass exactly these tests. `open` returns a new
 * handle each call (on Postgres, a new connection), so the concurrency cases race real
 * connections the way concurrent requests would.
 */
export function repositoryContract(open: OpenDb): void {
  usersContract(open);
  sessionsContract(open);
  conversationsContract(open);
  keysContract(open);
  callsContract(open);
  filesContract(open);
  accountsContract(open);
  accountControlsContract(open);
}
