import type { LiveConversation, SecureConnectClient } from "../../client/src/index";
import { errorText, h } from "./dom";
import { durationText } from "./message-text";

const HOUR = 3_600_000;
const TIMER_CHOICES = [30, 300, 3_600, 86_400, 604_800, 2_419_200];
const MUTE_CHOICES: { label: string; ms: number | null }[] = [
  { label: "1 hour", ms: HOUR },
  { label: "8 hours", ms: 8 * HOUR },
  { label: "1 week", ms: 7 * 24 * HOUR },
  { label: "Until I unmute", ms: null },
];

function muteLabel(item: Pick<LiveConversation, "muted" | "muted_until">): string {
  if (!item.muted) return "Not muted";
  return item.muted_until ? `Muted until ${new Date(item.muted_until).toLocaleString()}` : "Muted";
}

/**
 * The conversation header's controls: mute (no pushes; messages still arrive) with an end, and for a
 * direct conversation, block / unblock the other member (`blocksChanged` after either: list previews change).
 */
export function conversationControls(client: SecureConnectClient, item: LiveConversation, otherId: string | null, blocksChanged: () => void): HTMLElement {
  const status = h("span", { class: "state", testid: "mute-state", attrs: { "aria-live": "polite" }, text: muteLabel(item) });
  const error = h("span", { class: "error", testid: "controls-error", attrs: { role: "alert" } });
  const select = h(
    "select",
    { testid: "mute-select", attrs: { "aria-label": "Mute notifications" } },
    h("option", { text: item.muted ? "Unmute" : "Mute…", attrs: { value: "" } }),
    ...MUTE_CHOICES.map((choice, i) => h("option", { text: `Mute for ${choice.label.toLowerCase()}`, attrs: { value: String(i) } })),
  );
  let muted = { muted: item.muted ?? false, muted_until: item.muted_until ?? null };
  select.addEventListener("change", () => {
    const choice = select.value === "" ? undefined : MUTE_CHOICES[Number(select.value)];
    error.textContent = "";
    const work = choice
      ? client.api.conversations
          .mute(item.id, choice.ms === null ? {} : { until: new Date(Date.now() + choice.ms).toISOString() })
          .then(({ mute }) => ({ muted: true, muted_until: mute.until }))
      : client.api.conversations.unmute(item.id).then(() => ({ muted: false, muted_until: null }));
    work.then(
      (next) => {
        muted = next;
        status.textContent = muteLabel(muted);
        const first = select.options[0];
        if (first) first.text = muted.muted ? "Unmute" : "Mute…";
        select.value = "";
      },
      (err: unknown) => (error.textContent = errorText(err)),
    );
  });

  // The timer's change arrives as a message in the conversation; this only asks for it.
  const timer = h(
    "select",
    { testid: "disappearing-select", attrs: { "aria-label": "Disappearing messages" } },
    h("option", { text: "Disappearing messages…", attrs: { value: "" } }),
    h("option", { text: "Disappearing: off", attrs: { value: "off" } }),
    ...TIMER_CHOICES.map((seconds) => h("option", { text: `Disappearing: ${durationText(seconds)}`, attrs: { value: String(seconds) } })),
  );
  timer.addEventListener("change", () => {
    if (timer.value === "") return;
    error.textContent = "";
    const seconds = timer.value === "off" ? null : Number(timer.value);
    client.api.conversations.setDisappearing(item.id, { seconds }).then(
      () => (timer.value = ""),
      (err: unknown) => {
        timer.value = "";
        error.textContent = errorText(err);
      },
    );
  });

  const controls = h("div", { class: "controls", testid: "conversation-controls" }, status, select, timer);
  if (otherId) {
    let blocked = false;
    const button = h("button", { class: "link", testid: "block-toggle", attrs: { type: "button", "aria-pressed": "false" }, text: "Block" });
    const show = () => {
      button.textContent = blocked ? "Unblock" : "Block";
      button.setAttribute("aria-pressed", String(blocked));
    };
    button.addEventListener("click", () => {
      error.textContent = "";
      const work = blocked ? client.api.users.unblock(otherId) : client.api.users.block(otherId).then(() => undefined);
      work.then(
        () => {
          blocked = !blocked;
          show();
          blocksChanged();
        },
        (err: unknown) => (error.textContent = errorText(err)),
      );
    });
    void client.api.users.blocks().then(({ blocks }) => {
      blocked = blocks.some((b) => b.user_id === otherId);
      show();
    });
    controls.append(button);
  }
  controls.append(error);
  return controls;
}
