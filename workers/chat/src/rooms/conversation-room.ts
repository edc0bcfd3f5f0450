import { DurableObject } from "cloudflare:workers";

/** One per conversation: the single writer of its message log and the hub of its sockets. */
export class ConversationRoom extends DurableObject<ChatEnv> {}
