import { baseUrl } from "./helpers";

type Kind = "verify" | "reset";
const KINDS: Record<Kind, string> = { verify: "verify_email", reset: "password_reset" };

/** The newest code of that kind from the dev mailbox (the real queue consumer fills it), polled while the queue delivers. */
export async function devCode(email: string, kind: Kind): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`${baseUrl}/dev/mailbox?to=${encodeURIComponent(email)}`);
    const { messages } = (await res.json()) as { messages: { kind: string; body: string }[] };
    const code = /^Code: (\S+)$/m.exec(messages.find((m) => m.kind === KINDS[kind])?.body ?? "")?.[1];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${KINDS[kind]} email for ${email}`);
}
