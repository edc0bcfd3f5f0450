import type { SecureConnectClient } from "../../client/src/index";
import { errorText, field, h, input } from "./dom";

type Mode = "login" | "register" | "forgot" | "reset";

const SUBMIT_TEXT: Record<Mode, string> = { login: "Sign in", register: "Create account", forgot: "Email me a code", reset: "Set new password" };

/**
 * Sign up, sign in, and a forgotten password (a code by email, then a new password with it); calls
 * `done` once the client holds a session.
 */
export function authView(client: SecureConnectClient, done: () => void): HTMLElement {
  const email = input("email", "email", { required: "", autocomplete: "email" });
  const password = input("password", "password", { required: "", minlength: "8" });
  const username = input("username", "text", { pattern: "[A-Za-z0-9_.\\-]{3,32}" });
  const displayName = input("display_name");
  const code = input("reset-code", "text", { autocomplete: "one-time-code", spellcheck: "false" });
  const newPassword = input("new-password", "password", { minlength: "8", autocomplete: "new-password" });
  const error = h("p", { class: "error", testid: "auth-error", attrs: { role: "alert" } });
  const info = h("p", { class: "hint-line", testid: "auth-info", attrs: { role: "status" } });
  let mode: Mode = "register";

  const emailField = field("Email", email);
  const passwordField = field("Password", password);
  const registerOnly = h("div", { class: "stack" }, field("Username", username), field("Display name (optional)", displayName));
  const resetOnly = h("div", { class: "stack" }, field("Code from the email", code), field("New password", newPassword));
  const submit = h("button", { testid: "auth-submit", attrs: { type: "submit" }, text: SUBMIT_TEXT.register });
  const toggle = h("button", {
    testid: "auth-toggle",
    class: "link",
    attrs: { type: "button" },
    text: "I already have an account",
    on: { click: () => setMode(mode === "register" ? "login" : mode === "login" ? "register" : "login") },
  });
  const forgot = h("button", {
    testid: "forgot-password",
    class: "link",
    attrs: { type: "button" },
    text: "Forgot your password?",
    on: { click: () => setMode("forgot") },
  });

  function setMode(next: Mode, message = ""): void {
    mode = next;
    registerOnly.hidden = mode !== "register";
    resetOnly.hidden = mode !== "reset";
    passwordField.hidden = mode === "forgot" || mode === "reset";
    emailField.hidden = mode === "reset";
    forgot.hidden = mode !== "login";
    // Hidden fields must not block the form with `required`.
    password.required = !passwordField.hidden;
    email.required = !emailField.hidden;
    code.required = mode === "reset";
    newPassword.required = mode === "reset";
    submit.textContent = SUBMIT_TEXT[mode];
    toggle.textContent = mode === "register" ? "I already have an account" : mode === "login" ? "Create a new account" : "Back to sign in";
    error.textContent = "";
    info.textContent = message;
  }

  function request(): Promise<unknown> {
    switch (mode) {
      case "login":
        return client.api.auth.login({ email: email.value, password: password.value }).then(done);
      case "register":
        return client.api.auth
          .register({
            email: email.value,
            username: username.value,
            password: password.value,
            ...(displayName.value.trim() ? { display_name: displayName.value.trim() } : {}),
          })
          .then(done);
      case "forgot":
        // 202 whether or not the address has an account: the screen says the same either way.
        return client.api.auth.forgotPassword({ email: email.value }).then(() => setMode("reset", `If ${email.value} has an account, a code is on its way.`));
      case "reset":
        return client.api.auth.resetPassword({ token: code.value.trim(), new_password: newPassword.value }).then(() => {
          password.value = "";
          newPassword.value = "";
          code.value = "";
          setMode("login", "Password changed. Sign in with the new one (you were signed out everywhere).");
        });
    }
  }

  const form = h(
    "form",
    {
      class: "card auth",
      testid: "auth-form",
      on: {
        submit: (event) => {
          event.preventDefault();
          submit.disabled = true;
          error.textContent = "";
          request().then(
            () => (submit.disabled = false),
            (err: unknown) => {
              error.textContent = errorText(err);
              submit.disabled = false;
            },
          );
        },
      },
    },
    h("h1", { text: "SecureConnect" }),
    emailField,
    passwordField,
    registerOnly,
    resetOnly,
    info,
    error,
    submit,
    forgot,
    toggle,
  );
  setMode("register");
  return form;
}
