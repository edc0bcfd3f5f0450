import { fromBlob, type SecureConnectClient } from "../../client/src/index";
import { avatar } from "./avatar";
import { clear, errorText, field, h, input } from "./dom";
import { displayName, type People } from "./people";

/** Someone's public profile in a modal dialog (Escape or Close leaves it; focus returns where it was). */
export function showProfile(people: People, userId: string): void {
  const body = h("div", { class: "profile-card" }, avatar(people, userId, "large"), h("p", { text: "Loading…" }));
  const dialog = h(
    "dialog",
    { class: "card", testid: "profile-dialog", attrs: { "aria-label": "Profile" } },
    body,
    h("form", { attrs: { method: "dialog" } }, h("button", { testid: "close-profile", text: "Close" })),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  void people.profile(userId).then((profile) => {
    if (!profile) return clear(body, h("p", { text: "This profile is not available." }));
    dialog.setAttribute("aria-label", `Profile of ${displayName(profile)}`);
    clear(
      body,
      avatar(people, userId, "large"),
      h("h2", { testid: "profile-name", text: displayName(profile) }),
      h("p", { class: "username", testid: "profile-username", text: `@${profile.username}` }),
      h("p", { class: "hint-line", text: `Member since ${new Date(profile.created_at).toLocaleDateString()}` }),
    );
  });
}

const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/** Our own display name and avatar; the avatar goes up through storage's presigned PUT, then onto the profile. */
export function profileEditor(client: SecureConnectClient, people: People): HTMLElement {
  const me = client.userId ?? "";
  const name = input("profile-display-name", "text", { maxlength: "64", required: "" });
  const picture = h("input", { testid: "avatar-input", attrs: { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif" } });
  const preview = h("div", { class: "avatar-preview" }, avatar(people, me, "large"));
  const status = h("p", { class: "hint-line", testid: "profile-status", attrs: { role: "status" } });
  const error = h("p", { class: "error", testid: "profile-error", attrs: { role: "alert" } });
  void people.profile(me).then((profile) => {
    if (profile && !name.value) name.value = profile.display_name;
  });

  async function save(patch: { display_name?: string; avatar_file_id?: string | null }, done: string): Promise<void> {
    error.textContent = "";
    status.textContent = "Saving…";
    try {
      const { user } = await client.api.users.updateMe(patch);
      people.update({
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        avatar_file_id: user.avatar_file_id,
        created_at: user.created_at,
        deleted: false,
      });
      clear(preview, avatar(people, me, "large"));
      status.textContent = done;
    } catch (err) {
      status.textContent = "";
      error.textContent = errorText(err);
    }
  }

  picture.addEventListener("change", () => {
    const chosen = picture.files?.[0];
    picture.value = "";
    if (!chosen) return;
    if (chosen.size > AVATAR_MAX_BYTES) {
      error.textContent = "Pick a picture under 5 MB.";
      return;
    }
    status.textContent = "Uploading…";
    client.upload(fromBlob(chosen, chosen.name)).then(
      (file) => void save({ avatar_file_id: file.id }, "Picture updated."),
      (err: unknown) => {
        status.textContent = "";
        error.textContent = errorText(err);
      },
    );
  });

  return h(
    "section",
    { class: "card settings-section", testid: "profile-editor", attrs: { "aria-labelledby": "profile-heading" } },
    h("h2", { text: "Profile", attrs: { id: "profile-heading" } }),
    preview,
    h("label", { class: "field" }, h("span", { text: "Profile picture" }), picture),
    h(
      "div",
      { class: "row" },
      h("button", {
        class: "link",
        testid: "remove-avatar",
        text: "Remove picture",
        attrs: { type: "button" },
        on: { click: () => void save({ avatar_file_id: null }, "Picture removed.") },
      }),
    ),
    h(
      "form",
      {
        class: "row",
        on: {
          submit: (event) => {
            event.preventDefault();
            void save({ display_name: name.value.trim() }, "Name saved.");
          },
        },
      },
      field("Display name", name),
      h("button", { testid: "save-profile", text: "Save name" }),
    ),
    status,
    error,
  );
}
