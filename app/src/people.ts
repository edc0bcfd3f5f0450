import type { SecureConnectClient } from "../../client/src/index";

/** Display names by user id, fetched once per user. */
export class People {
  private readonly names = new Map<string, Promise<string>>();
  /** Names already fetched, so a re-rendered list row shows them at once instead of flickering. */
  private readonly resolved = new Map<string, string>();
  constructor(private readonly client: SecureConnectClient) {}

  known(userId: string): string | undefined {
    return this.resolved.get(userId);
  }

  name(userId: string): Promise<string> {
    let name = this.names.get(userId);
    if (!name) {
      name = this.client.api.users.get(userId).then(
        ({ user }) => user.display_name || (user.username ?? ""),
        () => "someone",
      );
      void name.then((text) => this.resolved.set(userId, text));
      this.names.set(userId, name);
    }
    return name;
  }
}
