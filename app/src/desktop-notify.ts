import { h } from "./dom";

const APP_TITLE = "SecureConnect";

/** The tab title carries the unread total, as mail and chat apps do: "(3) SecureConnect". */
export function showUnreadInTitle(total: number): void {
  document.title = total > 0 ? `(${total}) ${APP_TITLE}` : APP_TITLE;
}

function supported(): boolean {
  return typeof Notification !== "undefined";
}

/**
 * "Enable notifications": browsers only grant the permission from a user gesture, so it is asked
 * on this button's click, never on load; `granted` then runs (Web Push registration). Hidden once
 * answered (or where notifications do not exist).
 */
export function notificationsButton(granted: () => void): HTMLButtonElement {
  const button = h("button", { class: "link", testid: "enable-notifications", text: "Enable notifications" });
  button.hidden = !supported() || Notification.permission !== "default";
  button.addEventListener("click", () => {
    void Notification.requestPermission().then((answer) => {
      button.hidden = true;
      if (answer === "granted") granted();
    });
  });
  return button;
}

/** A desktop notification, only while the tab is hidden (a visible tab shows it already); one per `tag` at a time. */
export function notifyIfHidden(title: string, body: string, tag: string, onClick: () => void): void {
  if (!supported() || Notification.permission !== "granted" || document.visibilityState !== "hidden") return;
  const notification = new Notification(title, { body, tag });
  notification.onclick = () => {
    window.focus();
    onClick();
    notification.close();
  };
}
