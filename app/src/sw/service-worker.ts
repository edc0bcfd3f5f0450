/**
 * The web app's service worker, served at /app/sw.js (scope /app/). Built by app/build.mjs from
 * this file; type-checked with the WebWorker library (app/tsconfig.sw.json). Each concern is its
 * own module: the offline shell (install, activate, fetch) and Web Push (push, notificationclick).
 */
import { installOfflineShell } from "./offline-shell";
import { installPushHandlers } from "./push-handlers";

declare const self: ServiceWorkerGlobalScope;

installOfflineShell(self);
installPushHandlers(self);
