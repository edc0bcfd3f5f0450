// bench:inbox, part 1: a large group whose messages go to members' device streams (issue 18).
// S senders hold conversation sockets (batch=1, as client/ does); D other members hold device streams
// (/v1/ws/events). "inbox" = those streams are open, so the room publishes to D devices per flush;
// "none" = they are closed, so the room publishes to nobody. Same group, same senders, same client.
import { performance } from "node:perf_hooks";
import { openChatSocket, pool } from "./api.mjs";
import { closeStream, openDeviceStream, processCpuSeconds } from "./device-stream.mjs";
import { percentile, round } from "./stats.mjs";

const BODY = "x".repeat(100);
const STALL_MS = 15_000;
/** The room caches which members have online devices for about 1 s (d-common.md); presence hears a close at once. */
const PRESENCE_SETTLE_MS = 2500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class InboxGroup {
  /** @param {string} conversationId @param {import("ws").WebSocket[]} senders @param {object[]} deviceUsers */
  constructor(base, conversationId, senders, deviceUsers) {
    this.base = base;
    this.conversationId = conversationId;
    this.senders = senders;
    this.deviceUsers = deviceUsers;
    this.devices = [];
    this.nextBase = 0;
    this.lastFrameAt = performance.now();
    senders.forEach((ws, i) => {
      ws.on("message", (data) => this.onSenderFrame(i, data));
      ws.on("close", (code) => console.log(`[inbox] sender socket ${i} closed (${code})`));
    });
    this.reset(0);
  }

  get inbox() {
    return this.devices.length > 0;
  }

  reset(messages) {
    this.sentAt = new Float64Array(messages);
    this.seqOf = new Float64Array(messages);
    this.ackAt = new Float64Array(messages);
    this.acks = 0;
    this.errors = 0;
    this.maxSeq = 0;
    this.lastAckAt = 0;
    this.convDelivered = 0;
    this.convLatencies = [];
    this.lastConvAt = 0;
    this.arrivals = this.devices.map(() => ({ seqs: [], times: [] }));
    this.eventFrames = 0;
    this.conversationEntries = 0;
    this.lastInboxAt = 0;
    this.idBase = this.nextBase;
    this.nextBase += messages;
  }

  index(clientId) {
    const idx = Number(clientId.slice(1)) - this.idBase;
    return idx >= 0 && idx < this.sentAt.length ? idx : -1;
  }

  onSenderFrame(socket, data) {
    const now = performance.now();
    this.lastFrameAt = now;
    const head = data.toString("latin1", 0, 16);
    if (head.startsWith('{"type":"ack"')) {
      const { client_id: clientId, seq } = JSON.parse(data.toString());
      const idx = this.index(clientId);
      if (idx < 0 || this.ackAt[idx] > 0) return;
      this.ackAt[idx] = now;
      this.seqOf[idx] = seq;
      this.acks++;
      this.lastAckAt = now;
      if (seq > this.maxSeq) this.maxSeq = seq;
    } else if (head.startsWith('{"type":"message')) {
      const frame = JSON.parse(data.toString());
      for (const m of frame.messages ?? [frame.message]) {
        const idx = this.index(m.client_id);
        // Deliveries to the other senders' sockets only (a sender also gets its own message back).
        if (idx < 0 || idx % this.senders.length === socket) continue;
        this.convDelivered++;
        this.lastConvAt = now;
        this.convLatencies.push(now - this.sentAt[idx]);
      }
    } else if (head.startsWith('{"type":"error"')) {
      this.errors++;
      if (process.env.BENCH_DEBUG && this.errors <= 3) console.log(`[debug] sender error frame: ${data.toString().slice(0, 200)}`);
    }
  }

  onDeviceFrame(device, data, now) {
    this.lastFrameAt = now;
    if (!data.toString("latin1", 0, 16).startsWith('{"type":"events"')) return;
    this.eventFrames++;
    const arrivals = this.arrivals[device];
    if (!arrivals) return;
    for (const { event } of JSON.parse(data.toString()).entries) {
      if (event.kind !== "conversation" || event.conversation_id !== this.conversationId) continue;
      this.conversationEntries++;
      const last = arrivals.seqs.length === 0 ? 0 : arrivals.seqs[arrivals.seqs.length - 1];
      if (event.last_seq <= last) continue;
      arrivals.seqs.push(event.last_seq);
      arrivals.times.push(now);
      this.lastInboxAt = now;
    }
  }

  async openDevices() {
    if (this.inbox) return;
    const list = [];
    await pool(this.deviceUsers, 16, async (user, i) => {
      list[i] = (await openDeviceStream(this.base, user, { onFrame: (data, now) => this.onDeviceFrame(i, data, now) })).ws;
    });
    this.devices = list;
    this.reset(0);
  }

  async closeDevices() {
    await Promise.all(this.devices.map((ws) => closeStream(ws)));
    this.devices = [];
    this.reset(0);
    await sleep(PRESENCE_SETTLE_MS);
  }

  send(idx) {
    this.sentAt[idx] = performance.now();
    this.senders[idx % this.senders.length].send(`{"type":"send","client_id":"c${this.idBase + idx}","body":"${BODY}"}`);
  }

  /** Every device has seen the newest acked seq (vacuous without devices). */
  inboxComplete() {
    return this.arrivals.every((a) => a.seqs.length > 0 && a.seqs[a.seqs.length - 1] >= this.maxSeq);
  }

  complete(messages) {
    return this.acks >= messages && this.convDelivered >= messages * (this.senders.length - 1) && this.inboxComplete();
  }

  /** Resolves true when everything arrived, false when nothing arrived for STALL_MS. */
  async settle(messages) {
    for (;;) {
      if (this.complete(messages)) return true;
      if (performance.now() - this.lastFrameAt > STALL_MS) return false;
      await sleep(5);
    }
  }

  async quiet() {
    while (performance.now() - this.lastFrameAt < 500) await sleep(50);
  }

  /** One message until every socket and stream has it: the room learns the online devices outside any measurement. */
  async prime() {
    for (let attempt = 0; attempt < 8; attempt++) {
      this.reset(1);
      this.send(0);
      const until = performance.now() + 4000;
      while (!this.complete(1) && performance.now() < until) await sleep(10);
      if (this.complete(1)) return;
    }
    throw new Error(
      `group does not deliver (inbox: ${this.inbox}): acks ${this.acks}, sender sockets open ${this.senders.filter((ws) => ws.readyState === 1).length}, streams up to date ${this.arrivals.filter((a) => a.seqs.length > 0).length}/${this.devices.length}`,
    );
  }

  summary(messages, t0) {
    const done = Math.max(this.lastAckAt, this.lastConvAt, this.inbox ? this.lastInboxAt : 0);
    const devices = this.devices.length;
    return {
      mode: this.inbox ? "inbox" : "none",
      devices,
      messages,
      acks: this.acks,
      errors: this.errors,
      complete: this.complete(messages),
      acked_per_s: round(this.acks / ((this.lastAckAt - t0) / 1000), 1),
      sends_per_s: round(messages / ((done - t0) / 1000), 1),
      seconds: round((done - t0) / 1000, 3),
      // How coalesced the stream was: conversation entries each device received per message sent.
      entries_per_device_per_message: devices ? round(this.conversationEntries / devices / messages, 3) : 0,
      event_frames: this.eventFrames,
    };
  }

  /** Send-to-inbox latencies: per device, the first entry whose last_seq covers the message's seq. */
  inboxLatencies() {
    const out = [];
    let missing = 0;
    for (const { seqs, times } of this.arrivals) {
      for (let idx = 0; idx < this.sentAt.length; idx++) {
        const seq = this.seqOf[idx];
        let lo = 0;
        let hi = seqs.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (seqs[mid] >= seq) hi = mid;
          else lo = mid + 1;
        }
        if (seq === 0 || lo === seqs.length) missing++;
        else out.push(times[lo] - this.sentAt[idx]);
      }
    }
    return { latencies: out, missing };
  }
}

const ms = (values, p) => round(percentile(values, p), 2);

/**
 * Back-to-back sends from every sender; CPU = the stack's workerd process over the burst.
 * `around` (a profiler) is started right before the first send and stopped once everything arrived.
 */
export async function burst(group, messages, workerdPid, around = null) {
  await group.prime();
  await group.quiet();
  await sleep(2000); // every sender's frame bucket full again
  group.reset(messages);
  await around?.start();
  const cpu0 = processCpuSeconds(workerdPid);
  const t0 = performance.now();
  for (let idx = 0; idx < messages; idx++) group.send(idx);
  const complete = await group.settle(messages);
  const cpu = processCpuSeconds(workerdPid) - cpu0;
  await around?.stop();
  const out = { ...group.summary(messages, t0), workerd_cpu_ms_per_message: round((cpu * 1000) / messages, 3) };
  if (!complete) console.log(`[inbox] ${out.mode} burst incomplete: ${JSON.stringify(out)}`);
  return out;
}

/** Sends at a fixed rate, round-robin over the senders; every latency recorded. */
export async function paced(group, rate, seconds) {
  await group.prime();
  await group.quiet();
  await sleep(2000);
  const messages = Math.max(20, Math.round(rate * seconds));
  group.reset(messages);
  const t0 = performance.now();
  let sent = 0;
  while (sent < messages) {
    const due = Math.min(messages, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) group.send(sent++);
    await sleep(1);
  }
  const complete = await group.settle(messages);
  const ack = Array.from(group.sentAt, (at, i) => group.ackAt[i] - at).filter((v, i) => group.ackAt[i] > 0);
  const inbox = group.inboxLatencies();
  return {
    mode: group.inbox ? "inbox" : "none",
    rate_msgs_per_s: round(rate, 1),
    messages,
    complete,
    errors: group.errors,
    ack_p50_ms: ms(ack, 50),
    ack_p99_ms: ms(ack, 99),
    conversation_p50_ms: ms(group.convLatencies, 50),
    conversation_p99_ms: ms(group.convLatencies, 99),
    inbox_samples: inbox.latencies.length,
    inbox_missing: inbox.missing,
    inbox_p50_ms: group.inbox ? ms(inbox.latencies, 50) : null,
    inbox_p99_ms: group.inbox ? ms(inbox.latencies, 99) : null,
  };
}

export async function openSenders(base, senders, conversationId) {
  return pool(senders, 8, (u) => openChatSocket(base, u, conversationId, { batch: true }));
}
