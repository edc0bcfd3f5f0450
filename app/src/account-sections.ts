import type { SecureConnectClient } from "../../client/src/index";
import { emailSection, sessionsSection } from "./account-security";
import { accountPanel } from "./account-panel";
import { accountView } from "./account-view";
import type { People } from "./people";
import { profileEditor } from "./profile-view";

/** What an account section gets: the client, shared profiles, a way to leave the app (account deleted), and to refresh what a block changes. */
export interface AccountContext {
  client: SecureConnectClient;
  people: People;
  signOut(): void;
  /** Someone was blocked or unblocked: the conversation list's previews of their messages change. */
  blocksChanged(): void;
}

/**
 * The settings screen's sections, in order. The extension point for account screens: a new one
 * (delete or export the account, blocked people, change email or password) is a function of its own
 * file returning a `<section class="card settings-section">`, added to this list.
 */
export const ACCOUNT_SECTIONS: ((ctx: AccountContext) => HTMLElement)[] = [
  ({ client, people }) => profileEditor(client, people),
  ({ client }) => emailSection(client),
  ({ client }) => sessionsSection(client),
  (ctx) => accountView(ctx.client, ctx.people, () => ctx.blocksChanged()),
  (ctx) => accountPanel(ctx.client, () => ctx.signOut()),
];
