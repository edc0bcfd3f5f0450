import type { SecureConnectClient } from "../../client/src/index";

/** Display names by user id, fetched once per user. */
export class People {
  private readonly names = new Map<string, Promise<string>>();
  constructor(private readonly client: SecureConnectClient) {}

  name(userId: string): Promise<string> {
    let name = this.names.get(userId);
    if (!name) {
      name = this.client.api.users.get(userId).then(
        ({ user }) => user.display_name || user.username,
        () => "someone",
      );
      this.names.set(userId, name);
    }
    return name;
  }
}
