import type { CallSummary, IncomingCalls, SecureConnectClient } from "../../client/src/index";
import { clear, h } from "./dom";
import type { People } from "./people";

/**
 * The incoming-call banner, app-wide: shown from the SDK's IncomingCalls (the device stream) on the
 * list and inside any conversation, hidden when the call stops ringing here (answered on another
 * device, declined, ended, missed). `answer` opens the call's conversation and joins.
 */
export function callRinger(client: SecureConnectClient, calls: IncomingCalls, people: People, answer: (call: CallSummary) => void): HTMLElement {
  const banner = h("div", { class: "banner ringer", testid: "incoming-call", attrs: { role: "alert" } });
  banner.hidden = true;

  function render(ringing: CallSummary[]): void {
    // One at a time: the oldest ringing call; the next shows when it stops.
    const call = ringing[0];
    banner.hidden = !call;
    if (!call) return clear(banner);
    const who = h("span", { testid: "incoming-call-from", text: `Incoming ${call.type} call` });
    void people.name(call.initiator_id).then((name) => {
      if (calls.isRinging(call.id)) who.textContent = `Incoming ${call.type} call from ${name}`;
    });
    clear(
      banner,
      who,
      h("button", {
        testid: "accept-call",
        text: "Answer",
        on: {
          click: () => {
            calls.dismiss(call.id);
            answer(call);
          },
        },
      }),
      h("button", {
        testid: "decline-call",
        class: "danger",
        text: "Decline",
        on: {
          click: () => {
            calls.dismiss(call.id);
            void client.api.calls.decline(call.id).catch(() => undefined);
          },
        },
      }),
    );
  }

  calls.on("change", render);
  render(calls.ringing);
  return banner;
}
