/**
 * Registers the offline shell (app/src/sw/service-worker.ts). A browser without service workers, or one that refuses
 * (private mode, an http origin other than localhost), simply runs without it.
 */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch((err: unknown) => console.warn("[secureconnect] no offline shell:", err));
}
