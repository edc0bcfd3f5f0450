import { h } from "./dom";
import { loadDraft, saveDraft } from "./drafts";

export interface ComposerHandlers {
  send(body: string, replyTo: number | null): void;
  edit(seq: number, body: string): void;
  attach(file: File, caption: string, replyTo: number | null): void;
  typing(): void;
  /** "Bob: the text", for the reply and edit bars. */
  describe(seq: number): string;
}

type Mode = { kind: "new" } | { kind: "reply"; seq: number } | { kind: "edit"; seq: number; draft: string };

/**
 * The message box: new message, reply (a bar quoting the message) or edit (the text loaded, Escape
 * or Cancel leaves it). What is typed is kept as the conversation's draft across reloads.
 */
export function composer(userId: string, conversationId: string, handlers: ComposerHandlers) {
  const text = h("input", { testid: "composer", attrs: { placeholder: "Message", autocomplete: "off", "aria-label": "Message" } });
  text.value = loadDraft(userId, conversationId);
  const file = h("input", { testid: "file-input", attrs: { type: "file", "aria-label": "Attach a file" } });
  const barText = h("span", { testid: "composer-mode" });
  const bar = h(
    "div",
    { class: "composer-bar", testid: "composer-bar" },
    barText,
    h("button", {
      class: "link",
      testid: "composer-cancel",
      text: "Cancel",
      attrs: { type: "button", "aria-label": "Cancel reply or edit" },
      on: { click: () => reset() },
    }),
  );
  bar.hidden = true;
  let mode: Mode = { kind: "new" };

  function setMode(next: Mode): void {
    mode = next;
    bar.hidden = mode.kind === "new";
    barText.textContent = mode.kind === "reply" ? `Replying to ${handlers.describe(mode.seq)}` : mode.kind === "edit" ? "Editing your message" : "";
    text.focus();
  }

  function reset(): void {
    if (mode.kind === "edit") text.value = mode.draft;
    setMode({ kind: "new" });
  }

  const replyTo = () => (mode.kind === "reply" ? mode.seq : null);
  const form = h(
    "form",
    {
      class: "composer",
      testid: "composer-form",
      on: {
        submit: (event) => {
          event.preventDefault();
          const body = text.value.trim();
          if (!body) return;
          if (mode.kind === "edit") {
            handlers.edit(mode.seq, body);
            text.value = mode.draft;
          } else {
            handlers.send(body, replyTo());
            text.value = "";
            saveDraft(userId, conversationId, "");
          }
          setMode({ kind: "new" });
        },
      },
    },
    h("label", { class: "file", attrs: { title: "Attach a file" } }, "Attach", file),
    text,
    h("button", { testid: "send", text: "Send" }),
  );
  text.addEventListener("input", () => {
    handlers.typing();
    if (mode.kind !== "edit") saveDraft(userId, conversationId, text.value);
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && mode.kind !== "new") reset();
  });
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (chosen) handlers.attach(chosen, mode.kind === "edit" ? "" : text.value.trim(), replyTo());
    file.value = "";
    if (mode.kind !== "edit") {
      text.value = "";
      saveDraft(userId, conversationId, "");
      setMode({ kind: "new" });
    }
  });

  return {
    element: h("div", { class: "composer-wrap" }, bar, form),
    reply: (seq: number) => setMode({ kind: "reply", seq }),
    edit(seq: number, body: string): void {
      const draft = mode.kind === "edit" ? mode.draft : text.value;
      text.value = body;
      setMode({ kind: "edit", seq, draft });
    },
  };
}
