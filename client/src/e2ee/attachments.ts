import type { FetchLike } from "../http";
import type { RestApi } from "../rest";
import { uploadFile, type UploadSource } from "../uploads";
import { fromBase64Url, ownBytes, toBase64Url } from "./bytes";
import type { EncryptedFile } from "./payload";

/**
 * Attachments of encrypted conversations: encrypted on the device with a fresh AES-256-GCM key per
 * file, the ciphertext uploaded under a neutral name and type (the server learns its size only),
 * and the key, IV, SHA-256 of the ciphertext, real name and type carried inside the MLS message.
 */
export async function uploadEncrypted(api: RestApi, fetchImpl: FetchLike, source: UploadSource, conversationId: string): Promise<EncryptedFile> {
  const plain = new Uint8Array(source.body instanceof Blob ? await source.body.arrayBuffer() : source.body);
  const keyBytes = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", sealed));
  const file = await uploadFile(
    api,
    fetchImpl,
    { name: "encrypted.bin", type: "application/octet-stream", size: sealed.length, body: sealed },
    { conversationId },
  );
  return {
    file_id: file.id,
    key: toBase64Url(keyBytes),
    iv: toBase64Url(iv),
    sha256: toBase64Url(digest),
    name: source.name,
    type: source.type || "application/octet-stream",
    size: plain.length,
  };
}

/** Downloads and decrypts an attachment; null when the ciphertext was altered (digest or tag mismatch) or the key is damaged. */
export async function downloadDecrypted(api: RestApi, fetchImpl: FetchLike, file: EncryptedFile): Promise<Uint8Array | null> {
  const { download_url } = await api.storage.downloadUrl(file.file_id);
  const res = await fetchImpl(download_url);
  if (!res.ok) return null;
  const sealed = new Uint8Array(await res.arrayBuffer());
  const digest = toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", sealed)));
  const keyBytes = fromBase64Url(file.key);
  const iv = fromBase64Url(file.iv);
  if (digest !== file.sha256 || keyBytes?.length !== 32 || iv?.length !== 12) return null;
  try {
    const key = await crypto.subtle.importKey("raw", ownBytes(keyBytes), "AES-GCM", false, ["decrypt"]);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: ownBytes(iv) }, key, sealed));
  } catch {
    return null;
  }
}
