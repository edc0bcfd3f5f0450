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
  // Deleting asks once, in place: "Delete for everyone?" with the choice beside it.
  const deleteButton = button("delete", "Delete message", "Delete", () => {
    deleteButton.hidden = true;
    confirm.hidden = false;
    confirm.querySelector("button")?.focus();
  });
  const confirm = h(
    "span",
    { class: "confirm", testid: "delete-confirm", attrs: { role: "group", "aria-label": "Delete for everyone?" } },
    h("span", { text: "Delete for everyone?" }),
    button("confirm-delete", "Yes, delete for everyone", "Delete", () => handlers.remove(seq)),
    button("cancel-delete", "Keep the message", "Keep", () => {
      confirm.hidden = true;
      deleteButton.hidden = false;
      deleteButton.focus();
    }),
  );
  confirm.hidden = true;
  return h(
    "div",
    { class: "actions", testid: "message-actions" },
    reactButton,
    button("reply", "Reply", "Reply", () => handlers.reply(seq)),
    can.canEdit ? button("edit", "Edit message", "Edit", () => handlers.edit(seq)) : null,
    can.canDelete ? deleteButton : null,
    can.canDelete ? confirm : null,
    picker,
  );
}
