/**
 * Which hosts a Web Push endpoint may name. The endpoint comes from the browser, so in production it
 * is an SSRF vector: IP literals (loopback, RFC 1918, link-local, any other), `localhost` and names
 * under `.localhost`, `.local`, `.internal`, `.home.arpa` are refused; real push services
 * (fcm.googleapis.com, updates.push.services.mozilla.com, web.push.apple.com, ...) are public DNS
 * names. Development accepts them, for a push service run on the machine. https is required
 * everywhere (the subscription schema).
 */
const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".localdomain"];

function isIpLiteral(hostname: string): boolean {
  // URL.hostname keeps IPv6 in brackets and writes every IPv4 form (0x7f.1, 2130706433) dotted.
  return hostname.startsWith("[") || /^[0-9.]+$/.test(hostname);
}

export function webPushEndpointAllowed(endpoint: string, production: boolean): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return false;
  if (!production) return true;
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (isIpLiteral(host) || host === "localhost" || !host.includes(".")) return false;
  if (url.port !== "" && url.port !== "443") return false;
  return !PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix));
}
