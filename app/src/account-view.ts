import type { SecureConnectClient } from "../../client/src/index";
import { clear, errorText, field, h, input } from "./dom";
import type { People } from "./people";

/** A small form whose submit runs `action` and reports its outcome in a live region. */
function actionForm(testid: string, title: string, fields: HTMLElement[], label: string, action: () => Promise<string>): HTMLElement {
  const status = h("p", { testid: `${testid}-status`, attrs: { role: "status", "aria-live": "polite" } });
  const submit = h("button", { testid: `${testid}-submit`, attrs: { type: "submit" }, text: label });
  return h(
    "form",
    {
      class: "account-form",
      testid,
      attrs: { "aria-label": title },
      on: {
        submit: (event) => {
          event.preventDefault();
          submit.disabled = true;
          status.classList.remove("error");
          action().then(
            (message) => (status.textContent = message),
            (err: unknown) => {
              status.textContent = errorText(err);
              status.classList.add("error");
            },
          );
          void Promise.resolve().then(() => (submit.disabled = false));
        },
      },
    },
    h("h3", { text: title }),
    ...fields,
    submit,
    status,
  );
}

/**
 * The account screen (a settings section; the email code is in account-security.ts): change password, change email, and the blocked
 * users (unblock). Every action goes through the SDK.
 */
export function accountView(client: SecureConnectClient, people: People, blocksChanged: () => void): HTMLElement {
  const current = input("current_password", "password", { required: "", autocomplete: "current-password" });
  const next = input("new_password", "password", { required: "", minlength: "8", autocomplete: "new-password" });
  const password = actionForm(
    "change-password",
    "Change password",
    [field("Current password", current), field("New password", next)],
    "Change password",
    async () => {
      const { revoked_sessions } = await client.api.auth.changePassword({ current_password: current.value, new_password: next.value });
      current.value = next.value = "";
      return `Password changed. ${revoked_sessions} other session${revoked_sessions === 1 ? "" : "s"} signed out.`;
    },
  );

  const emailPassword = input("email_password", "password", { required: "", autocomplete: "current-password" });
  const newEmail = input("new_email", "email", { required: "" });
  const email = actionForm("change-email", "Change email", [field("New email", newEmail), field("Password", emailPassword)], "Send confirmation", async () => {
    await client.api.auth.changeEmail({ password: emailPassword.value, new_email: newEmail.value.trim() });
    emailPassword.value = "";
    return `We sent a link to ${newEmail.value.trim()}. Your email changes when you open it.`;
  });

  const blocked = h("ul", { class: "blocked", testid: "blocked-users", attrs: { "aria-label": "Blocked users" } });
  async function renderBlocks(): Promise<void> {
    const { blocks } = await client.api.users.blocks();
    const rows = await Promise.all(
      blocks.map(async (b) =>
        h(
          "li",
          {},
          h("span", { text: await people.name(b.user_id) }),
          h("button", {
            testid: "unblock",
            attrs: { type: "button" },
            text: "Unblock",
            on: {
              click: () =>
                void client.api.users.unblock(b.user_id).then(() => {
                  blocksChanged();
                  return renderBlocks();
                }),
            },
          }),
        ),
      ),
    );
    clear(blocked, ...(rows.length > 0 ? rows : [h("li", { class: "hint", text: "You block nobody." })]));
  }
  void renderBlocks().catch(() => undefined);
  return h(
    "section",
    { class: "card settings-section", testid: "account", attrs: { "aria-label": "Password, email and blocked people" } },
    h("h2", { text: "Password, email and blocked people" }),
    password,
    email,
    h("h3", { text: "Blocked users" }),
    blocked,
  );
}
