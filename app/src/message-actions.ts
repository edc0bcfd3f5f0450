import { h } from "./dom";

/** Quick reactions, as the big apps offer them; any emoji the API accepts works through the same call. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"] as const;

export interface MessageActionHandlers {
  reply(seq: number): void;
  edit(seq: number): void;
  remove(seq: number): void;
  react(seq: number, emoji: string, on: boolean): void;
}

/**
 * The toolbar beside a message: shown on hover and whenever focus is inside the row, so every
 * action is reachable with Tab. The reaction picker is a small menu of buttons (Escape closes it).
 */
export function messageActions(handlers: MessageActionHandlers, seq: number, can: { canEdit: boolean; canDelete: boolean }): HTMLElement {
  const picker = h(
    "div",
    { class: "reaction-picker", testid: "reaction-picker", attrs: { role: "group", "aria-label": "Pick a reaction" } },
    ...QUICK_REACTIONS.map((emoji) =>
      h("button", {
        class: "link",
        testid: "react-with",
        text: emoji,
        attrs: { type: "button", "aria-label": `React with ${emoji}` },
        on: {
          click: () => {
            picker.hidden = true;
            handlers.react(seq, emoji, true);
          },
        },
      }),
    ),
  );
  picker.hidden = true;
  picker.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    picker.hidden = true;
    reactButton.focus();
  });
  const button = (testid: string, label: string, text: string, onClick: () => void) =>
    h("button", { class: "link", testid, text, attrs: { type: "button", "aria-label": label }, on: { click: onClick } });
  const reactButton = button("react", "Add a reaction", "☺", () => {
    picker.hidden = !picker.hidden;
    if (!picker.hidden) picker.querySelector("button")?.focus();
  });
  reactButton.setAttribute("aria-haspopup", "true");
  return h(
    "div",
    { class: "actions", testid: "message-actions" },
    reactButton,
    button("reply", "Reply", "Reply", () => handlers.reply(seq)),
    can.canEdit ? button("edit", "Edit message", "Edit", () => handlers.edit(seq)) : null,
    can.canDelete ? button("delete", "Delete message", "Delete", () => handlers.remove(seq)) : null,
    picker,
  );
}
