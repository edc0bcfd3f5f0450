// The local SFU as a process: `node <bundle of this file>` (scripts/lib/local-sfu.mjs builds and
// starts it). Configured by environment; prints one JSON line `{"local_sfu":"listening","port":N}`.
import { LocalSfu } from "./local-sfu";
import { sfuServer } from "./server";

const appId = process.env.LOCAL_SFU_APP_ID ?? "";
const appSecret = process.env.LOCAL_SFU_APP_SECRET ?? "";
if (!appId || !appSecret) {
  console.error("[local-sfu] LOCAL_SFU_APP_ID and LOCAL_SFU_APP_SECRET are required");
  process.exit(2);
}
const port = Number.parseInt(process.env.LOCAL_SFU_PORT ?? "0", 10) || 0;
const hostAddresses = (process.env.LOCAL_SFU_HOST_ADDRESSES ?? "127.0.0.1")
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

const sfu = new LocalSfu({ hostAddresses });
const server = sfuServer(sfu, { appId, appSecret });

// One misbehaving peer (werift rejects from its transport loops) must not stop the SFU for everyone else.
process.on("unhandledRejection", (reason) => console.error("[local-sfu] unhandled rejection:", reason));

function stop(): void {
  sfu.close();
  server.close();
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, stop);
// Started with an IPC channel: when the parent goes away (even killed), so does the SFU.
if (process.send) process.on("disconnect", stop);

server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const listening = typeof address === "object" && address ? address.port : port;
  console.log(JSON.stringify({ local_sfu: "listening", port: listening }));
});
