import type { SecureConnectClient } from "../../client/src/index";
import { avatar } from "./avatar";
import { clear, errorText, h } from "./dom";
import { displayName, type People, type Profile } from "./people";

const SEARCH_DELAY_MS = 200;
const RESULTS = 8;

/**
 * People found by username prefix as you type; a click (or Enter on a result) adds a person to the
 * chips above the box, ✕ on a chip removes them. `exclude` hides people already there (members).
 */
export function userPicker(client: SecureConnectClient, people: People, options: { label: string; exclude?: () => string[]; onChange?: () => void }) {
  const chosen = new Map<string, Profile>();
  const query = h("input", {
    testid: "user-search",
    attrs: { type: "search", autocomplete: "off", placeholder: "Search by username", "aria-label": options.label },
  });
  const chips = h("ul", { class: "chips", testid: "picked-users", attrs: { "aria-label": "Chosen people" } });
  const results = h("ul", { class: "results", testid: "user-results", attrs: { "aria-label": "Search results" } });
  const status = h("p", { class: "hint-line", testid: "user-search-status", attrs: { "aria-live": "polite" } });
  let timer: ReturnType<typeof setTimeout> | null = null;
  let generation = 0;

  function renderChips(): void {
    clear(
      chips,
      ...[...chosen.values()].map((user) =>
        h(
          "li",
          { class: "chip", testid: "picked-user" },
          h("span", { text: displayName(user) }),
          h("button", {
            class: "link",
            text: "✕",
            attrs: { type: "button", "aria-label": `Remove ${displayName(user)}` },
            on: {
              click: () => {
                chosen.delete(user.id);
                renderChips();
                query.focus();
              },
            },
          }),
        ),
      ),
    );
    options.onChange?.();
  }

  async function search(): Promise<void> {
    const q = query.value.trim();
    const mine = ++generation;
    if (!q) {
      clear(results);
      status.textContent = "";
      return;
    }
    try {
      const { users } = await client.api.users.search({ q, limit: RESULTS });
      if (mine !== generation) return; // a newer query is on its way
      const hidden = new Set([client.userId ?? "", ...(options.exclude?.() ?? []), ...chosen.keys()]);
      const shown = users.filter((u) => !hidden.has(u.id));
      status.textContent = shown.length === 0 ? `Nobody found for “${q}”.` : `${shown.length} found`;
      clear(results, ...shown.map((user) => resultRow(user)));
    } catch (err) {
      if (mine === generation) status.textContent = errorText(err);
    }
  }

  function resultRow(user: Profile): HTMLLIElement {
    people.update(user);
    return h(
      "li",
      {},
      h(
        "button",
        {
          class: "result",
          testid: "user-result",
          attrs: { type: "button", "aria-label": `Add ${displayName(user)} (@${user.username})` },
          on: {
            click: () => {
              chosen.set(user.id, user);
              query.value = "";
              clear(results);
              status.textContent = "";
              renderChips();
              query.focus();
            },
          },
        },
        avatar(people, user.id),
        h("span", { text: displayName(user) }),
        h("span", { class: "username", text: `@${user.username}` }),
      ),
    );
  }

  query.addEventListener("input", () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void search(), SEARCH_DELAY_MS);
  });

  return {
    element: h("div", { class: "picker" }, chips, query, status, results),
    chosen: () => [...chosen.values()],
    reset(): void {
      chosen.clear();
      query.value = "";
      clear(results);
      status.textContent = "";
      renderChips();
    },
  };
}
