import type { SecureConnectClient } from "../../client/src/index";
import { clear, errorText, field, h, input, shortTime } from "./dom";

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h(
    "section",
    { class: "card settings-section", testid: id, attrs: { "aria-labelledby": `${id}-heading` } },
    h("h2", { text: title, attrs: { id: `${id}-heading` } }),
    ...children,
  );
}

/** Email verification by the code the email carries (the app takes the code; the link form is the same token). */
export function emailSection(client: SecureConnectClient): HTMLElement {
  const state = h("p", { testid: "email-state", text: "…" });
  const code = input("verify-code", "text", { required: "", autocomplete: "one-time-code", spellcheck: "false" });
  const status = h("p", { class: "hint-line", testid: "verify-status", attrs: { role: "status" } });
  const error = h("p", { class: "error", testid: "verify-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    {
      class: "stack",
      testid: "verify-form",
      on: {
        submit: (event) => {
          event.preventDefault();
          error.textContent = "";
          client.api.auth.verifyEmail(code.value.trim()).then(
            ({ user }) => show(user.email, user.email_verified),
            (err: unknown) => (error.textContent = errorText(err)),
          );
        },
      },
    },
    field("Code from the email", code),
    h(
      "div",
      { class: "row" },
      h("button", { testid: "verify-submit", text: "Verify email" }),
      h("button", {
        class: "link",
        testid: "resend-verification",
        text: "Send a new code",
        attrs: { type: "button" },
        on: {
          click: () =>
            void client.api.auth.resendVerification().then(
              () => (status.textContent = "A new code is on its way."),
              (err: unknown) => (error.textContent = errorText(err)),
            ),
        },
      }),
    ),
  );

  function show(email: string, verified: boolean): void {
    state.textContent = verified ? `${email} is verified.` : `${email} is not verified yet.`;
    form.hidden = verified;
    if (verified) status.textContent = "";
  }
  void client.api.users.me().then(
    ({ user }) => show(user.email, user.email_verified),
    (err: unknown) => (error.textContent = errorText(err)),
  );
  return section("email-section", "Email", state, form, status, error);
}

/** Where the account is signed in; any other session can be signed out from here. */
export function sessionsSection(client: SecureConnectClient): HTMLElement {
  const list = h("ul", { class: "sessions", testid: "sessions" });
  const error = h("p", { class: "error", testid: "sessions-error", attrs: { role: "alert" } });

  async function load(): Promise<void> {
    try {
      const { sessions } = await client.api.auth.sessions();
      clear(
        list,
        ...sessions.map((s) => {
          const what = s.user_agent ? browserName(s.user_agent) : "Unknown device";
          return h(
            "li",
            { testid: "session", attrs: { "data-current": String(s.current) } },
            h("span", { class: "title", text: s.current ? `${what} (this browser)` : what }),
            h("span", { class: "hint-line", text: `Signed in ${new Date(s.created_at).toLocaleDateString()}, last active ${shortTime(s.last_used_at)}` }),
            s.current
              ? null
              : h("button", {
                  class: "link danger-text",
                  testid: "revoke-session",
                  text: "Sign out",
                  attrs: { type: "button", "aria-label": `Sign out ${what}, signed in ${new Date(s.created_at).toLocaleString()}` },
                  on: {
                    click: () => void client.api.auth.revokeSession(s.id).then(load, (err: unknown) => (error.textContent = errorText(err))),
                  },
                }),
          );
        }),
      );
    } catch (err) {
      error.textContent = errorText(err);
    }
  }
  void load();
  return section("sessions-section", "Where you're signed in", list, error);
}

/** "Chrome on Linux" from a user agent: enough to recognise a session, nothing more. */
function browserName(ua: string): string {
  const browser = /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Firefox\//.test(ua) ? "Firefox" : /Safari\//.test(ua) ? "Safari" : "A browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}
