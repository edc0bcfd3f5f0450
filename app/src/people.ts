import type { PublicUserEnvelope, SecureConnectClient } from "../../client/src/index";

export type Profile = PublicUserEnvelope["user"];
type Listener = (profile: Profile) => void;

/**
 * Public profiles by user id, fetched once per user and shared by every screen: names and avatars
 * in the list, the message rows, the member list. `update` (our own profile saved) re-renders
 * whatever shows that person.
 */
export class People {
  private readonly profiles = new Map<string, Promise<Profile | null>>();
  /** Profiles already fetched, so a re-rendered row shows them at once instead of flickering. */
  private readonly resolved = new Map<string, Profile>();
  private readonly avatarUrls = new Map<string, Promise<string | null>>();
  private readonly listeners = new Set<Listener>();
  constructor(private readonly client: SecureConnectClient) {}

  known(userId: string): string | undefined {
    const profile = this.resolved.get(userId);
    return profile ? displayName(profile) : undefined;
  }

  profile(userId: string): Promise<Profile | null> {
    let profile = this.profiles.get(userId);
    if (!profile) {
      profile = this.client.api.users.get(userId).then(
        ({ user }) => user,
        () => {
          // Not remembered: offline now is not "no such user" later.
          this.profiles.delete(userId);
          return null;
        },
      );
      void profile.then((p) => p && this.resolved.set(userId, p));
      this.profiles.set(userId, profile);
    }
    return profile;
  }

  async name(userId: string): Promise<string> {
    const profile = await this.profile(userId);
    return profile ? displayName(profile) : "Unknown user";
  }

  /**
   * The avatar as a blob: URL, or null (none, or not visible to us). Fetched, not linked: the CSP
   * lets images come from the app's own origin only, while the presigned URL may point at the bucket.
   */
  avatarUrl(fileId: string): Promise<string | null> {
    let url = this.avatarUrls.get(fileId);
    if (!url) {
      url = this.client.api.storage
        .downloadUrl(fileId)
        .then(async ({ download_url }) => {
          const res = await fetch(download_url);
          return res.ok ? URL.createObjectURL(await res.blob()) : null;
        })
        .catch(() => {
          this.avatarUrls.delete(fileId);
          return null;
        });
      this.avatarUrls.set(fileId, url);
    }
    return url;
  }

  /** A profile we learnt elsewhere (search results, our own save). */
  update(profile: Profile): void {
    this.resolved.set(profile.id, profile);
    this.profiles.set(profile.id, Promise.resolve(profile));
    for (const listener of this.listeners) listener(profile);
  }

  onUpdate(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The name to show: a deleted account has no username, only its "Deleted account" display name. */
export function displayName(profile: Pick<Profile, "display_name" | "username">): string {
  return profile.display_name || (profile.username ?? "");
}
