import type { Database } from "../../../lib/db";

/** What every storage operation runs with: bindings, the database, the verified caller, a clock. */
export interface StorageCall {
  env: StorageEnv;
  db: Database;
  userId: string;
  /** The origin the client called (set by the gateway); dev presigned URLs point back at it. */
  origin: string | undefined;
  now: Date;
  /** Travels into this worker's logs, so one request can be followed across workers. */
  requestId: string;
}
