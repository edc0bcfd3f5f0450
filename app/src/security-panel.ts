import { formatSafetyNumber, type KeyChange, type SecureConnectClient } from "../../client/src/index";
import { clear, errorText, h } from "./dom";

/**
 * "Verify": the safety number of this conversation's other member and you, to compare in person or
 * over another channel (the same 60 digits show on both phones when nobody sits in the middle).
 */
export function securityPanel(client: SecureConnectClient, conversationId: string, otherId: string | null, title: string) {
  const panel = h("section", { class: "security", testid: "safety-panel" });
  panel.hidden = true;
  async function show(): Promise<void> {
    panel.hidden = !panel.hidden;
    if (panel.hidden) return;
    clear(panel, h("p", { text: "Computing…" }));
    try {
      const number = otherId ? await client.e2ee.safetyNumber(conversationId, otherId) : null;
      clear(
        panel,
        h("h3", { text: `Safety number with ${title}` }),
        number
          ? h("p", { class: "safety-number", testid: "safety-number", text: formatSafetyNumber(number) })
          : h("p", { text: "Safety numbers are shown for direct conversations this device has joined." }),
        h("p", { class: "hint", text: "Compare it with the number on their device. If they match, nobody is reading along." }),
      );
    } catch (err) {
      clear(panel, h("p", { class: "error", text: errorText(err) }));
    }
  }
  const button = h("button", { class: "link", testid: "verify-safety", text: "Verify", on: { click: () => void show() } });
  return { button, panel, close: () => clear(panel) };
}

/** A banner for every contact device whose key changed since it was first seen: read it as "compare safety numbers again". */
export function keyChangeBanner(client: SecureConnectClient, name: (userId: string) => Promise<string>): { element: HTMLElement; close: () => void } {
  const element = h("div", { class: "key-changes", testid: "key-changes" });
  const off = client.e2ee.on("key_changed", (change: KeyChange) => {
    const text = h("span", { text: `The security key of one of ${change.user_id}'s devices changed. Compare safety numbers before you trust it.` });
    void name(change.user_id).then(
      (display) => (text.textContent = `The security key of one of ${display}'s devices changed. Compare safety numbers before you trust it.`),
    );
    const row: HTMLElement = h(
      "p",
      { class: "warning", testid: "key-changed-warning", attrs: { "data-user": change.user_id } },
      text,
      h("button", {
        class: "link",
        testid: "accept-key-change",
        text: "I verified it",
        on: { click: () => void client.e2ee.acceptKeyChange(change).then(() => row.remove()) },
      }),
    );
    element.append(row);
  });
  return { element, close: off };
}
