/**
 * The offline shell (the service worker's other concern beside Web Push): the shell (page, script,
 * styles) is served from its cache first, so the app opens with no network; the API (/v1, sockets,
 * storage URLs) always goes to the network and is never cached. Each build names its cache after a
 * hash of the shell (SHELL_VERSION, defined by app/build.mjs), so a new deployment replaces the old
 * shell on the next visit.
 */
/** Replaced by the build with the hash of the shell files. */
declare const SHELL_VERSION: string;
/** Replaced by the build with the app's code-split chunks (all but RealtimeKit's), as "./chunks/…". */
declare const SHELL_CHUNKS: string[];

const CACHE = `secureconnect-shell-${SHELL_VERSION}`;
const SHELL = ["./", "./app.js", "./app.css", ...SHELL_CHUNKS];

export function installOfflineShell(self: ServiceWorkerGlobalScope): void {
  self.addEventListener("install", (event) => {
    event.waitUntil(
      (async () => {
        const cache = await caches.open(CACHE);
        await cache.addAll(SHELL);
        await self.skipWaiting();
      })(),
    );
  });

  self.addEventListener("activate", (event) => {
    event.waitUntil(
      (async () => {
        for (const name of await caches.keys()) if (name.startsWith("secureconnect-shell-") && name !== CACHE) await caches.delete(name);
        await self.clients.claim();
      })(),
    );
  });

  /** The shell's URL for a request, or null for everything the worker leaves to the network. */
  function shellUrl(request: Request): string | null {
    if (request.method !== "GET") return null;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return null;
    const scope = new URL(self.registration.scope).pathname;
    // Any page under the scope is the app (routes live in the hash); docs and other assets are not shell.
    if (request.mode === "navigate" && (url.pathname === scope || url.pathname === `${scope}index.html`)) return new URL("./", self.registration.scope).href;
    const asset = SHELL.map((path) => new URL(path, self.registration.scope).href).find((href) => href === url.origin + url.pathname);
    return asset ?? null;
  }

  self.addEventListener("fetch", (event) => {
    const key = shellUrl(event.request);
    if (!key) return;
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const cached = await cache.match(key);
        if (cached) return cached;
        const fresh = await fetch(event.request);
        if (fresh.ok) await cache.put(key, fresh.clone());
        return fresh;
      })(),
    );
  });
}
