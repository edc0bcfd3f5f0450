/**
 * A reader's copy of a message, or of a preview of one, from someone the reader blocks (issue 21):
 * marked `sender_blocked`, otherwise the very same object. The one rule behind history, sockets, the
 * conversation list and device-stream previews, so a client hides the same thing everywhere.
 */
export function markedForReader<T extends { sender_blocked?: true }>(item: T, readerBlocksSender: boolean): T {
  return readerBlocksSender ? { ...item, sender_blocked: true as const } : item;
}
