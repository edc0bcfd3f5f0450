import { ACCOUNT_SECTIONS, type AccountContext } from "./account-sections";
import { h } from "./dom";

/** The settings screen (route #/settings): every account section, one card each. */
export function settingsView(ctx: AccountContext, back: () => void): HTMLElement {
  return h(
    "div",
    { class: "settings", testid: "settings" },
    h(
      "header",
      {},
      h("h2", { text: "Settings" }),
      h("button", { class: "link", testid: "settings-back", text: "Back to chats", attrs: { type: "button" }, on: { click: back } }),
    ),
    ...ACCOUNT_SECTIONS.map((section) => section(ctx)),
  );
}
