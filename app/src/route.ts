/**
 * Where the app is, in the URL hash, so a reload (or the back button) comes back to it:
 * `#/c/<conversation id>`, `#/settings`, or nothing (the list).
 */
export type Route = { kind: "home" } | { kind: "conversation"; id: string } | { kind: "settings" };

export function currentRoute(): Route {
  const hash = location.hash;
  const conversation = /^#\/c\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
  if (conversation?.[1]) return { kind: "conversation", id: conversation[1] };
  if (hash === "#/settings") return { kind: "settings" };
  return { kind: "home" };
}

export function routeHash(route: Route): string {
  switch (route.kind) {
    case "home":
      return "";
    case "conversation":
      return `#/c/${route.id}`;
    case "settings":
      return "#/settings";
  }
}

/** Records where we are (a new history entry, so Back goes to the previous conversation). */
export function go(route: Route): void {
  const hash = routeHash(route);
  if (location.hash === hash || (hash === "" && location.hash === "")) return;
  history.pushState(null, "", hash || location.pathname + location.search);
}
