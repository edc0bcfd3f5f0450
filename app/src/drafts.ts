/**
 * Unsent text per conversation, kept in localStorage so a reload (or a crash) loses nothing; keyed
 * by user too, so two accounts in one browser never see each other's drafts. Signing out clears them.
 */
const PREFIX = "secureconnect.draft.";

const key = (userId: string, conversationId: string) => `${PREFIX}${userId}.${conversationId}`;

export function loadDraft(userId: string, conversationId: string): string {
  try {
    return localStorage.getItem(key(userId, conversationId)) ?? "";
  } catch {
    return "";
  }
}

export function saveDraft(userId: string, conversationId: string, text: string): void {
  try {
    if (text.trim()) localStorage.setItem(key(userId, conversationId), text);
    else localStorage.removeItem(key(userId, conversationId));
  } catch {
    // Storage full or disabled: the draft lives as long as the page, as it did before.
  }
}

export function clearDrafts(userId: string): void {
  try {
    const mine = `${PREFIX}${userId}.`;
    for (const name of Object.keys(localStorage)) if (name.startsWith(mine)) localStorage.removeItem(name);
  } catch {
    // Nothing stored.
  }
}
