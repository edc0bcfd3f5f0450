/**
 * The web app's service worker, served at /app/sw.js (scope /app/). Built by app/build.mjs from
 * this file; type-checked with the WebWorker library (app/tsconfig.sw.json). Each concern is its
 * own module: Web Push here; the offline shell adds its own install/fetch handlers beside it.
 */
import { installPushHandlers } from "./push-handlers";

declare const self: ServiceWorkerGlobalScope;

installPushHandlers(self);
// A new version takes over at once: the handlers carry no state a running page depends on.
self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
