import type { SecureConnectClient } from "../../client/src/index";
import { errorText, field, h, input } from "./dom";
import type { EmailLink } from "./email-links";

const DONE: Record<EmailLink["kind"], string> = { verify: "Email address verified", reset: "Password changed", "email-change": "Email address changed" };
const TITLES: Record<EmailLink["kind"], string> = {
  verify: "Verifying your email address…",
  reset: "Choose a new password",
  "email-change": "Confirming your new email address…",
};

/**
 * Completes what an emailed link asked for: verify and email-change at once, a reset after the new
 * password is typed. `done` returns to the app (signed in or not: these tokens need no session).
 */
export function emailActionView(client: SecureConnectClient, link: EmailLink, done: () => void): HTMLElement {
  const status = h("p", { testid: "email-action-status", attrs: { role: "status", "aria-live": "polite" } });
  const back = h("button", { testid: "email-action-done", attrs: { type: "button" }, text: "Continue", on: { click: done } });
  const heading = h("h1", { text: TITLES[link.kind] });
  const card = h("section", { class: "card auth", testid: "email-action" }, heading, status);

  const settle = (work: Promise<string>) =>
    work.then(
      (message) => {
        heading.textContent = DONE[link.kind];
        status.textContent = message;
        card.append(back);
      },
      (err: unknown) => {
        heading.textContent = "That link did not work";
        status.textContent = `${errorText(err)} Ask for a new email, or enter the code in the app.`;
        status.classList.add("error");
        card.append(back);
      },
    );

  if (link.kind === "verify") void settle(client.api.auth.verifyEmail(link.token).then(() => "Your email address is verified."));
  else if (link.kind === "email-change")
    void settle(client.api.auth.confirmEmailChange(link.token).then(({ user }) => `Your account's email is now ${user.email}.`));
  else {
    const password = input("new_password", "password", { required: "", minlength: "8", autocomplete: "new-password" });
    const submit = h("button", { testid: "reset-submit", attrs: { type: "submit" }, text: "Set password" });
    const form = h(
      "form",
      {
        testid: "reset-form",
        on: {
          submit: (event) => {
            event.preventDefault();
            submit.disabled = true;
            void settle(
              client.api.auth.resetPassword({ token: link.token, new_password: password.value }).then(() => {
                form.remove();
                return "Your password is changed. Sign in with the new one.";
              }),
            ).finally(() => (submit.disabled = false));
          },
        },
      },
      field("New password", password),
      submit,
    );
    card.append(form);
  }
  return card;
}
