/**
 * The app's one service worker (app/src/sw/service-worker.ts: the offline shell and Web Push),
 * registered once per page. A browser without service workers, or one that refuses (private mode, an
 * http origin other than localhost), simply runs without it.
 */
let registration: Promise<ServiceWorkerRegistration> | undefined;

/** The registration once its worker is active; undefined where there are no service workers. */
export function serviceWorker(): Promise<ServiceWorkerRegistration> | undefined {
  if (!("serviceWorker" in navigator)) return undefined;
  registration ??= navigator.serviceWorker.register("./sw.js", { scope: "./" }).then(() => navigator.serviceWorker.ready);
  return registration;
}

export function registerServiceWorker(): void {
  serviceWorker()?.catch((err: unknown) => console.warn("[secureconnect] no service worker:", err));
}
