// The proxy lives in scripts/lib so the soak (soak/) can use the same one.
export { FlakyProxy } from "../../../scripts/lib/flaky-proxy.mjs";
