/** A client-sent request id is echoed only when it is short and made of safe characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function pickRequestId(clientValue: string | null | undefined): string {
  if (clientValue && SANE_REQUEST_ID.test(clientValue)) return clientValue;
  return crypto.randomUUID();
}
