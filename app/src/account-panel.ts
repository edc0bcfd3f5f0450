import type { SecureConnectClient } from "../../client/src/index";
import { errorText, field, h, input } from "./dom";

/**
 * "Your data" in settings: export my data (once a day; the link also arrives by email) and delete
 * my account (the password again, then signed out everywhere).
 */
export function accountPanel(client: SecureConnectClient, deleted: () => void): HTMLElement {
  const exportStatus = h("p", { class: "hint", testid: "export-status", attrs: { role: "status" } });
  const showExport = (e: { status: string; download_url: string | null }): void => {
    exportStatus.replaceChildren(`Export: ${e.status}. `);
    if (e.download_url) exportStatus.append(h("a", { text: "Download", attrs: { href: e.download_url, rel: "noreferrer" } }));
  };
  const exportButton = h("button", {
    testid: "export-data",
    text: "Export my data",
    on: {
      click: () => {
        exportStatus.textContent = "Asking…";
        client.api.users.requestExport().then(
          ({ export: e }) => showExport(e),
          async (err: unknown) => {
            // Once a day: show the one already asked for instead of only the refusal.
            const current = await client.api.users.exportStatus().catch(() => null);
            if (current) showExport(current.export);
            else exportStatus.textContent = errorText(err);
          },
        );
      },
    },
  });

  const password = input("delete-password", "password", { autocomplete: "current-password", required: "" });
  const deleteError = h("p", { class: "error", testid: "delete-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    {
      testid: "delete-account",
      on: {
        submit: (event) => {
          event.preventDefault();
          if (!window.confirm('Delete your account? Your messages become "Deleted account" for everyone, and this cannot be undone.')) return;
          deleteError.textContent = "";
          client.api.users.deleteAccount({ password: password.value }).then(deleted, (err: unknown) => {
            deleteError.textContent = errorText(err);
          });
        },
      },
    },
    field("Password", password),
    h("button", { class: "danger", testid: "delete-account-submit", text: "Delete my account" }),
    deleteError,
  );

  return h(
    "section",
    { class: "card settings-section", testid: "account-data", attrs: { "aria-label": "Your data" } },
    h("h2", { text: "Your data" }),
    h("div", { class: "export-row" }, exportButton, exportStatus),
    h("h3", { text: "Delete account" }),
    form,
  );
}
