import { DurableObject } from "cloudflare:workers";

/** Online/offline state of users. */
export class PresenceRoom extends DurableObject<ChatEnv> {}
