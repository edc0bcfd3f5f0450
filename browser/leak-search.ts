import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";

/**
 * Where a secret could leak, searched the way an attacker with the server's disks and the network
 * would: the bytes of the text as UTF-8 and UTF-16, in hex, base64 and base64url (at every byte
 * alignment, so a secret inside a longer encoded blob is found too).
 */
export function encodings(secret: string): Array<{ name: string; needle: Buffer }> {
  const utf8 = Buffer.from(secret, "utf8");
  const out = [
    { name: "utf8", needle: utf8 },
    { name: "utf16le", needle: Buffer.from(secret, "utf16le") },
    { name: "hex", needle: Buffer.from(utf8.toString("hex")) },
    { name: "HEX", needle: Buffer.from(utf8.toString("hex").toUpperCase()) },
  ];
  for (let shift = 0; shift < 3; shift++) {
    // Prefixing 0–2 bytes moves the secret across base64's 3-byte groups; drop the edge characters that depend on neighbours.
    const shifted = Buffer.concat([Buffer.alloc(shift), utf8]);
    for (const [name, text] of [
      ["base64", shifted.toString("base64")],
      ["base64url", shifted.toString("base64url")],
    ] as const) {
      const core = text.replace(/=+$/, "").slice(Math.ceil((shift * 4) / 3) + 1, -2);
      out.push({ name: `${name}+${shift}`, needle: Buffer.from(core) });
    }
  }
  return out;
}

/** Which encodings of `secret` occur in `haystack`. */
export function occurrences(haystack: Buffer, secret: string): string[] {
  return encodings(secret)
    .filter(({ needle }) => haystack.includes(needle))
    .map(({ name }) => name);
}

/** A file's bytes, or null when it vanished since it was listed. */
function bytesOf(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (err) {
    // The stack keeps running while we search: SQLite removes its -shm/-wal files when a database
    // closes, between the listing and the read. A file that is gone holds nothing.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Every file under `dir` (SQLite databases and their WAL files, R2 blobs, KV values, logs). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...filesUnder(full));
    else if (stat) out.push(full);
  }
  return out;
}

/** The files (relative to `dir`) holding some encoding of `secret`. */
export function filesContaining(dir: string, secret: string): string[] {
  return filesUnder(dir)
    .filter((file) => {
      const bytes = bytesOf(file);
      return bytes !== null && occurrences(bytes, secret).length > 0;
    })
    .map((file) => path.relative(dir, file));
}

/** Everything a page sent and received: request URLs, headers and bodies, response bodies, WebSocket frames both ways. */
export function captureTraffic(page: Page): { text: () => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  const pending: Array<Promise<void>> = [];
  page.on("request", (request) => {
    chunks.push(Buffer.from(`${request.url()}\n${JSON.stringify(request.headers())}\n`));
    const body = request.postDataBuffer();
    if (body) chunks.push(body);
  });
  page.on("response", (response) => {
    pending.push(
      response.body().then(
        (body) => void chunks.push(body),
        () => undefined, // redirects and aborted requests have no body
      ),
    );
  });
  page.on("websocket", (socket) => {
    socket.on("framesent", ({ payload }) => chunks.push(Buffer.from(payload)));
    socket.on("framereceived", ({ payload }) => chunks.push(Buffer.from(payload)));
  });
  return {
    text: async () => {
      await Promise.all(pending);
      return Buffer.concat(chunks);
    },
  };
}
