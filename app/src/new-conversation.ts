import type { SecureConnectClient } from "../../client/src/index";
import { errorText, h, input } from "./dom";
import type { People } from "./people";
import { userPicker } from "./user-picker";

/**
 * "New chat": one person picked makes a direct conversation (the existing one if there is one);
 * two or more make a group, named by the creator (the name field shows once it is a group).
 */
export function newConversation(client: SecureConnectClient, people: People, opened: (conversationId: string) => Promise<void>): HTMLElement {
  const name = input("group-name", "text", { placeholder: "Group name", "aria-label": "Group name", maxlength: "100" });
  const nameRow = h("div", { class: "group-name" }, name);
  nameRow.hidden = true;
  // End-to-end encrypted by default (issue 19); unchecked, the conversation is plaintext for good
  // (encryption is fixed at creation), as Matrix lets a room be made unencrypted.
  const encrypted = input("new-chat-e2ee", "checkbox");
  encrypted.checked = true;
  const encryptedRow = h("label", { class: "e2ee-choice" }, encrypted, " End-to-end encrypted");
  const error = h("p", { class: "error", testid: "new-chat-error", attrs: { role: "alert" } });
  const submit = h("button", { testid: "new-chat-submit", text: "Start chat", attrs: { type: "submit" } });
  submit.disabled = true;
  const picker = userPicker(client, people, {
    label: "Find people to chat with",
    onChange: () => {
      const n = picker.chosen().length;
      nameRow.hidden = n < 2;
      submit.disabled = n === 0;
      submit.textContent = n >= 2 ? `Create group (${n + 1})` : "Start chat";
    },
  });

  async function create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    error.textContent = "";
    const chosen = picker.chosen();
    if (chosen.length === 0) return;
    submit.disabled = true;
    try {
      const groupName = name.value.trim();
      const input =
        chosen.length === 1
          ? { type: "direct" as const, member_ids: chosen.map((u) => u.id) }
          : { type: "group" as const, member_ids: chosen.map((u) => u.id), ...(groupName ? { name: groupName } : {}) };
      const conversation = encrypted.checked ? await client.e2ee.createConversation(input) : (await client.api.conversations.create(input)).conversation;
      picker.reset();
      name.value = "";
      await opened(conversation.id);
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
    }
  }

  return h(
    "form",
    { class: "new-chat", testid: "new-chat", attrs: { "aria-label": "New chat" }, on: { submit: (e) => void create(e) } },
    h("h2", { class: "small-title", text: "New chat" }),
    picker.element,
    nameRow,
    encryptedRow,
    error,
    submit,
  );
}
