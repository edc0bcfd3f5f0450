import { h } from "./dom";
import { displayName, type People, type Profile } from "./people";

/** The initials of the name ("Alice Liddell" → AL, "Bob" → B) on a colour picked from the user id: people tell each other apart at a glance. */
function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ""}${parts[1]?.[0] ?? ""}` : (parts[0]?.[0] ?? "");
  return letters.toUpperCase() || "?";
}

function hue(id: string): number {
  let sum = 0;
  for (const char of id) sum = (sum * 31 + char.charCodeAt(0)) % 360;
  return sum;
}

/** A round avatar: the picture once it loads, the initials until then (and when there is none). Decorative: names sit beside it. */
export function avatar(people: People, userId: string, size: "small" | "large" = "small", fallbackName = "?"): HTMLSpanElement {
  const el = h("span", { class: `avatar ${size}`, testid: "avatar", attrs: { "aria-hidden": "true" } });
  el.style.setProperty("--hue", String(hue(userId)));
  const show = (profile: Profile | null): void => {
    el.textContent = initials(profile ? displayName(profile) : fallbackName);
    const fileId = profile?.avatar_file_id;
    if (!fileId) return;
    void people.avatarUrl(fileId).then((url) => {
      if (!url) return;
      const img = h("img", { attrs: { src: url, alt: "" } });
      img.addEventListener("load", () => el.replaceChildren(img), { once: true });
    });
  };
  void people.profile(userId).then(show);
  return el;
}
