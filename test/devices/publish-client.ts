/**
 * Helpers for the rooms → device streams tests: a device stream opened on the device's DeviceRoom
 * (as the chat worker forwards a verified upgrade), known to presence before the test goes on,
 * waiting for one event among the `events` frames, and a device that goes offline and resumes.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { DeviceEvent } from "../../lib/contracts/device-stream";
import { onlineDevicesOf } from "../../workers/chat/src/presence/presence-shards";
import type { TestUser } from "../helpers/auth";
import { ticketFor } from "../chat/chat-client";
import { accepted, deviceRoom, newDeviceId, openRoomSocket, upgradeEvents, type DeviceSocket } from "./device-client";

export type Stream = { deviceId: string; socket: DeviceSocket; events: DeviceEvent[] };

/** Polls (bounded) until `done`; for state another object reports asynchronously (presence, the push outbox). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !done(value); i++) {
    await scheduler.wait(20);
    value = await read();
  }
  return value;
}

/** A device stream of `user`, listed by presence as online (rooms publish to online devices only). */
export async function openStream(user: TestUser, deviceId = newDeviceId()): Promise<Stream> {
  const { socket } = await accepted(await openRoomSocket(user.user.id, deviceId));
  return whenOnline(user, deviceId, socket);
}

/** `GET /v1/ws/events` through the gateway with a ticket of this sign-in: the stream of its session's device. */
export async function openGatewayStream(user: TestUser): Promise<Stream> {
  const { socket, hello } = await accepted(await upgradeEvents({ ticket: await ticketFor(user) }));
  return whenOnline(user, hello.device_id, socket);
}

/**
 * The stream of this sign-in's device through the gateway, from `since` when given, with the position
 * its `hello` names; not waited on to show online (for a device about to go offline and resume).
 */
export async function openResumable(user: TestUser, since?: number): Promise<Stream & { position: number }> {
  const query: Record<string, string> = since === undefined ? {} : { since: String(since) };
  const { socket, hello } = await accepted(await upgradeEvents({ ticket: await ticketFor(user) }, query));
  return { deviceId: hello.device_id, socket, events: [], position: hello.position };
}

/** Closes the stream and waits until presence no longer lists the device: rooms then see it offline. */
export async function goOffline(user: TestUser, stream: Stream): Promise<void> {
  await stream.socket.end();
  const online = await until(
    () => onlineDevicesOf(env, [user.user.id]),
    (list) => !list.some((o) => o.device_ids.includes(stream.deviceId)),
  );
  if (online.some((o) => o.device_ids.includes(stream.deviceId))) throw new Error("the device stayed online");
}

async function whenOnline(user: TestUser, deviceId: string, socket: DeviceSocket): Promise<Stream> {
  const online = await until(
    () => onlineDevicesOf(env, [user.user.id]),
    (list) => list.some((o) => o.device_ids.includes(deviceId)),
  );
  if (!online.some((o) => o.device_ids.includes(deviceId))) throw new Error("the device stream never showed as online");
  return { deviceId, socket, events: [] };
}

/** The next event (in stream order) matching `match`; earlier events are kept in `stream.events`. */
export async function nextEvent<K extends DeviceEvent["kind"]>(
  stream: Stream,
  kind: K,
  match: (e: Extract<DeviceEvent, { kind: K }>) => boolean = () => true,
): Promise<Extract<DeviceEvent, { kind: K }>> {
  const test = (e: DeviceEvent): e is Extract<DeviceEvent, { kind: K }> => e.kind === kind && match(e as Extract<DeviceEvent, { kind: K }>);
  for (;;) {
    const index = stream.events.findIndex(test);
    const found = stream.events[index];
    if (found && test(found)) {
      stream.events.splice(index, 1);
      return found;
    }
    const frame = await stream.socket.next("events");
    stream.events.push(...frame.entries.map((entry) => entry.event));
  }
}

/** Everything that reached the stream so far and was not consumed (after a ping round trip). */
export async function drained(stream: Stream): Promise<DeviceEvent[]> {
  await stream.socket.settle();
  for (const frame of stream.socket.frames.splice(0)) if (frame.type === "events") stream.events.push(...frame.entries.map((e) => e.event));
  return stream.events.splice(0);
}

/** Waits until the offline device's stream stores an entry of this kind (published off the request path). */
export async function stored(deviceId: string, kind: DeviceEvent["kind"]): Promise<void> {
  const count = () =>
    runInDurableObject(
      deviceRoom(deviceId),
      (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM stream WHERE json_extract(event, '$.kind') = ?", kind).one().n,
    );
  if ((await until(count, (n) => n > 0)) === 0) throw new Error(`no ${kind} entry was stored`);
}
