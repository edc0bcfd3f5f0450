import type { ConversationEnvelope, SecureConnectClient } from "../../client/src/index";
import { avatar } from "./avatar";
import { clear, errorText, h, input } from "./dom";
import type { People } from "./people";
import { userPicker } from "./user-picker";

type Conversation = ConversationEnvelope["conversation"];
type Role = Conversation["members"][number]["role"];

/**
 * A group's details beside the conversation: members with their roles, and what the caller's role
 * allows: owners and admins add people (admins remove plain members, owners anyone), the owner makes
 * admins, everyone may leave. The server decides; the buttons only follow its rules. It follows
 * the device stream while open: another member's rename or membership change redraws it.
 */
export function groupPanel(
  client: SecureConnectClient,
  people: People,
  conversationId: string,
  handlers: { close: () => void; left: () => void; openProfile: (userId: string) => void; renamed: (name: string) => void },
) {
  const me = client.userId ?? "";
  const members = h("ul", { class: "members", testid: "group-members", attrs: { "aria-label": "Members" } });
  const error = h("p", { class: "error", testid: "group-error", attrs: { role: "alert" } });
  const title = h("h2", { text: "Group info", attrs: { id: `group-info-${conversationId}` } });
  let current: Conversation | null = null;
  const name = input("group-rename", "text", { maxlength: "100", required: "", "aria-label": "Group name" });
  const renameForm = h(
    "form",
    { class: "row", testid: "rename-form", on: { submit: (e) => void rename(e) } },
    name,
    h("button", { testid: "rename-submit", text: "Rename", attrs: { type: "submit" } }),
  );
  const picker = userPicker(client, people, { label: "Find people to add", exclude: () => current?.members.map((m) => m.user_id) ?? [] });
  const addButton = h("button", { testid: "add-members", text: "Add to group", attrs: { type: "submit" } });
  const addForm = h(
    "form",
    { class: "add-members", testid: "add-members-form", on: { submit: (e) => void add(e) } },
    h("h3", { text: "Add people" }),
    picker.element,
    addButton,
  );

  async function run(action: () => Promise<Conversation | null>): Promise<void> {
    error.textContent = "";
    try {
      const next = await action();
      if (next) render(next);
      else await load();
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  async function add(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const ids = picker.chosen().map((u) => u.id);
    if (ids.length === 0) return;
    await run(async () => (await client.api.conversations.addMembers(conversationId, { user_ids: ids })).conversation);
    picker.reset();
  }

  async function rename(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const wanted = name.value.trim();
    if (!wanted || wanted === current?.name) return;
    await run(async () => (await client.api.conversations.rename(conversationId, { name: wanted })).conversation);
    if (current?.name === wanted) handlers.renamed(wanted);
  }

  /**
   * In an encrypted group this device first commits the removal of the member's every leaf (from
   * then on they cannot read), then drops the membership: with the plain call alone, a message sent
   * before the next device check would still be encrypted to their devices.
   */
  async function removeMember(userId: string): Promise<void> {
    if (current?.encryption === "mls" && (await client.e2ee.hasGroup(conversationId))) await client.e2ee.removeMember(conversationId, userId);
    else await client.api.conversations.removeMember(conversationId, userId);
  }

  function render(conversation: Conversation): void {
    current = conversation;
    const myRole: Role = conversation.members.find((m) => m.user_id === me)?.role ?? "member";
    addForm.hidden = myRole === "member";
    renameForm.hidden = myRole === "member";
    if (document.activeElement !== name) name.value = conversation.name ?? "";
    const order: Record<Role, number> = { owner: 0, admin: 1, member: 2 };
    const sorted = [...conversation.members].sort((a, b) => order[a.role] - order[b.role]);
    clear(members, ...sorted.map((member) => memberRow(member.user_id, member.role, myRole)));
  }

  function memberRow(userId: string, role: Role, myRole: Role): HTMLLIElement {
    const name = h("button", {
      class: "link name",
      testid: "member-name",
      text: userId === me ? "You" : (people.known(userId) ?? "…"),
      attrs: { type: "button" },
      on: { click: () => handlers.openProfile(userId) },
    });
    const controls: HTMLElement[] = [];
    if (userId !== me && myRole === "owner" && role !== "owner") {
      const next = role === "admin" ? "member" : "admin";
      controls.push(
        h("button", {
          class: "link",
          testid: "toggle-admin",
          text: role === "admin" ? "Remove admin" : "Make admin",
          attrs: { type: "button" },
          on: { click: () => void run(async () => (await client.api.conversations.setRole(conversationId, userId, { role: next })).conversation) },
        }),
      );
    }
    const canRemove = userId !== me && role !== "owner" && (myRole === "owner" || (myRole === "admin" && role === "member"));
    if (canRemove) {
      controls.push(
        h("button", {
          class: "link danger-text",
          testid: "remove-member",
          text: "Remove",
          attrs: { type: "button" },
          on: { click: () => void run(async () => (await removeMember(userId), null)) },
        }),
      );
    }
    const row = h(
      "li",
      { testid: "group-member", attrs: { "data-role": role } },
      avatar(people, userId),
      name,
      h("span", { class: "role", testid: "member-role", text: role }),
      ...controls,
    );
    // Each button names whom it acts on, once the name is known.
    const label = (who: string) => {
      for (const button of controls) button.setAttribute("aria-label", `${button.textContent ?? ""}: ${who}`);
      name.setAttribute("aria-label", `Profile of ${who}`);
    };
    if (userId === me) name.setAttribute("aria-label", "You (your profile)");
    else {
      label(people.known(userId) ?? "member");
      void people.name(userId).then((n) => {
        name.textContent = n;
        label(n);
      });
    }
    return row;
  }

  async function load(): Promise<void> {
    try {
      render((await client.api.conversations.get(conversationId)).conversation);
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  const leave = h("button", {
    class: "danger",
    testid: "leave-group",
    text: "Leave group",
    attrs: { type: "button" },
    on: {
      click: () => void client.api.conversations.removeMember(conversationId, me).then(handlers.left, (err: unknown) => (error.textContent = errorText(err))),
    },
  });
  void load();
  // Live: a rename, someone joining, leaving or changing role (details), our own role (membership).
  const stream = client.events();
  const ours = ({ event }: { event: { conversation_id: string } }) => {
    if (event.conversation_id === conversationId) void load();
  };
  const offs = [stream.on("details", ours), stream.on("membership", ours)];
  const element = h(
    "aside",
    { class: "group-panel card", testid: "group-panel", attrs: { "aria-labelledby": title.id } },
    h(
      "header",
      {},
      title,
      h("button", {
        class: "link",
        testid: "close-group-panel",
        text: "Close",
        attrs: { type: "button", "aria-label": "Close group info" },
        on: { click: handlers.close },
      }),
    ),
    renameForm,
    members,
    addForm,
    error,
    leave,
  );
  return {
    element,
    close(): void {
      for (const off of offs) off();
    },
  };
}
