import type { SecureConnectClient } from "../../client/src/index";
import { errorText, field, h, input } from "./dom";

/** Sign up or sign in; calls `done` once the client holds a session. */
export function authView(client: SecureConnectClient, done: () => void): HTMLElement {
  const email = input("email", "email", { required: "" });
  const password = input("password", "password", { required: "", minlength: "8" });
  const username = input("username", "text", { pattern: "[A-Za-z0-9_.\\-]{3,32}" });
  const displayName = input("display_name");
  const error = h("p", { class: "error", testid: "auth-error", attrs: { role: "alert" } });
  let mode: "login" | "register" = "register";

  const registerOnly = h("div", {}, field("Username", username), field("Display name (optional)", displayName));
  const submit = h("button", { testid: "auth-submit", attrs: { type: "submit" }, text: "Create account" });
  const toggle = h("button", {
    testid: "auth-toggle",
    class: "link",
    attrs: { type: "button" },
    text: "I already have an account",
    on: { click: () => setMode(mode === "login" ? "register" : "login") },
  });

  function setMode(next: "login" | "register"): void {
    mode = next;
    registerOnly.hidden = mode === "login";
    submit.textContent = mode === "login" ? "Sign in" : "Create account";
    toggle.textContent = mode === "login" ? "Create a new account" : "I already have an account";
    error.textContent = "";
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
          const request =
            mode === "login"
              ? client.api.auth.login({ email: email.value, password: password.value })
              : client.api.auth.register({
                  email: email.value,
                  username: username.value,
                  password: password.value,
                  ...(displayName.value.trim() ? { display_name: displayName.value.trim() } : {}),
                });
          request.then(done, (err: unknown) => {
            error.textContent = errorText(err);
            submit.disabled = false;
          });
        },
      },
    },
    h("h1", { text: "SecureConnect" }),
    field("Email", email),
    field("Password", password),
    registerOnly,
    error,
    submit,
    toggle,
  );
  return form;
}
