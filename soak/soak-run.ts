import { randomBytes } from "node:crypto";
import { RestartableStack, sleep } from "./restartable-stack";
import { SoakMember } from "./soak-member";
import { checkRoom, sumCounts, type Counts } from "./verify";

export interface SoakProfile {
  rooms: number;
  membersPerRoom: number;
  messagesPerMember: number;
  /** Pause between two sends of one member, ms (uniform in [min, max]). */
  sendEveryMs: readonly [number, number];
  /** Pause between two cuts of one member's connections, ms. */
  cutEveryMs: readonly [number, number];
  /** A member queues at most this many unacknowledged sends (stays far below the 100 frames/s socket limit on resend). */
  maxPending: number;
  /** Stack restarts (each one restarts every room), spread over the sending. */
  restarts: number;
  /** The chaos goes on until at least this many open sockets were cut. */
  minDisconnects: number;
  /** Bound of the chaos phase and of the drain after it, ms. */
  chaosLimitMs: number;
  drainLimitMs: number;
}

export const PROFILES = {
  /** npm test (test:soak): about a minute of chaos. */
  small: {
    rooms: 2,
    membersPerRoom: 4,
    messagesPerMember: 40,
    sendEveryMs: [300, 900],
    cutEveryMs: [800, 2_400],
    maxPending: 20,
    restarts: 1,
    minDisconnects: 100,
    chaosLimitMs: 150_000,
    drainLimitMs: 60_000,
  },
  /** npm run soak: several minutes, over 1,000 forced disconnects. */
  full: {
    rooms: 4,
    membersPerRoom: 10,
    messagesPerMember: 120,
    sendEveryMs: [400, 1_200],
    cutEveryMs: [1_000, 4_000],
    maxPending: 20,
    restarts: 3,
    minDisconnects: 1_000,
    chaosLimitMs: 600_000,
    drainLimitMs: 120_000,
  },
} as const satisfies Record<string, SoakProfile>;

export interface SoakReport extends Counts {
  disconnects: number;
  /** Stack restarts × rooms: how many times a ConversationRoom was restarted. */
  roomRestarts: number;
  stackRestarts: number;
  /** Sends that never got an ack (SendRejected, closed connection, or still pending after the drain). */
  failedSends: number;
  durationMs: number;
  failures: string[];
}

const between = ([min, max]: readonly [number, number]) => min + Math.random() * (max - min);

/** The per-room summary line's figures, then the reasons the run is not clean (empty when it is). */
export function verdict(report: SoakReport, profile: SoakProfile): string[] {
  const problems: string[] = [];
  if (report.lost > 0) problems.push(`${report.lost} acknowledged deliveries lost`);
  if (report.doubled > 0) problems.push(`${report.doubled} doubled`);
  if (report.reordered > 0) problems.push(`${report.reordered} reordered`);
  if (report.unexpected > 0) problems.push(`${report.unexpected} messages delivered or stored without an ack`);
  if (report.failedSends > 0) problems.push(`${report.failedSends} sends never acknowledged: ${report.failures.slice(0, 3).join("; ")}`);
  if (report.disconnects < profile.minDisconnects) problems.push(`only ${report.disconnects} forced disconnects (wanted ${profile.minDisconnects})`);
  if (report.stackRestarts < profile.restarts) problems.push(`only ${report.stackRestarts} restarts (wanted ${profile.restarts})`);
  return problems;
}

export function summaryLine(r: SoakReport): string {
  return (
    `soak: ${r.acked} messages acked, ${r.deliveries} deliveries checked, ${r.disconnects} forced disconnects, ${r.roomRestarts} room restarts, ` +
    `lost ${r.lost}, doubled ${r.doubled}, reordered ${r.reordered}`
  );
}

export function detailLine(r: SoakReport): string {
  return (
    `soak: ${r.stackRestarts} stack restarts, raw server frames: doubled ${r.rawDoubled}, reordered ${r.rawReordered}; ` +
    `unexpected ${r.unexpected}, failed sends ${r.failedSends}, ${(r.durationMs / 1000).toFixed(1)} s`
  );
}

/**
 * The soak: members of several group conversations send through the real SDK while a proxy cuts
 * their connections at random (sometimes after swallowing the server's answers, so stored messages
 * lose their acks) and the whole stack is killed and restarted; then every member's deliveries and
 * each room's GET history are checked against the acks.
 */
export async function runSoak(profile: SoakProfile, log: (line: string) => void = () => undefined): Promise<SoakReport> {
  const started = Date.now();
  const stack = await RestartableStack.start();
  const members: SoakMember[][] = [];
  try {
    const run = `s${randomBytes(3).toString("hex")}`;
    log(`soak: stack at ${stack.baseUrl}; ${profile.rooms} rooms × ${profile.membersPerRoom} members`);
    for (let r = 0; r < profile.rooms; r++) {
      const room: SoakMember[] = [];
      for (let m = 0; m < profile.membersPerRoom; m++) {
        // One address per member (TEST-NET-2), so the per-IP limits count each member on its own.
        room.push(await SoakMember.create(stack.baseUrl, `r${r}m${m}`, `198.51.100.${r * profile.membersPerRoom + m + 1}`));
      }
      members.push(room);
    }
    const everyone = members.flat();
    for (let i = 0; i < everyone.length; i += 4) await Promise.all(everyone.slice(i, i + 4).map((m) => m.register(run)));
    const conversationIds: string[] = [];
    for (const [r, room] of members.entries()) {
      const [owner, ...others] = room;
      if (!owner) throw new Error("a room needs members");
      const { conversation } = await owner.client.api.conversations.create({
        type: "group",
        name: `soak ${run} room ${r}`,
        member_ids: others.map((m) => m.userId),
      });
      conversationIds.push(conversation.id);
      await Promise.all(room.map((m) => m.join(conversation.id)));
    }
    log("soak: every member joined; chaos starts");

    const chaosDeadline = Date.now() + profile.chaosLimitMs;
    const total = everyone.length * profile.messagesPerMember;
    const ackedSoFar = () => everyone.reduce((n, m) => n + m.acked.size, 0);
    let sendingDone = false;
    let disconnects = 0;

    const sender = async (member: SoakMember) => {
      for (let i = 0; i < profile.messagesPerMember && Date.now() < chaosDeadline; i++) {
        await sleep(between(profile.sendEveryMs));
        while (member.pending >= profile.maxPending && Date.now() < chaosDeadline) await sleep(50);
        member.send(`${member.name} #${i}`);
      }
    };
    const chaos = async (member: SoakMember) => {
      while (Date.now() < chaosDeadline && !(sendingDone && disconnects >= profile.minDisconnects)) {
        await sleep(between(profile.cutEveryMs));
        if (Math.random() < 0.2) {
          // The requests reach the room and are stored, the answers (acks, fan-out) are lost, then the line dies.
          member.proxy.dropAnswers();
          await sleep(50 + Math.random() * 350);
        }
        disconnects += member.proxy.cut();
        member.proxy.heal();
      }
    };
    const restarter = async () => {
      for (let i = 0; i < profile.restarts; i++) {
        const target = ((i + 1) / (profile.restarts + 1)) * total;
        while (ackedSoFar() < target && Date.now() < chaosDeadline) await sleep(100);
        if (Date.now() >= chaosDeadline) return;
        const t0 = Date.now();
        await stack.restart();
        log(`soak: restart ${i + 1} at ${ackedSoFar()} acks (${((Date.now() - t0) / 1000).toFixed(1)} s down)`);
      }
    };
    const progress = setInterval(() => log(`soak: ${ackedSoFar()}/${total} acked, ${disconnects} disconnects, ${stack.restarts} restarts`), 15_000);
    try {
      const chaosLoops = everyone.map(chaos);
      const restarts = restarter();
      await Promise.all(everyone.map(sender));
      sendingDone = true;
      await Promise.all([...chaosLoops, restarts]);
    } finally {
      clearInterval(progress);
    }

    // Drain: the network heals; every send must get its ack and every member catch up (bounded).
    const drainDeadline = Date.now() + profile.drainLimitMs;
    const roomTop = (room: SoakMember[]) => Math.max(0, ...room.flatMap((m) => [...m.acked.values()]));
    const caughtUp = () => everyone.every((m) => m.pending === 0) && members.every((room) => room.every((m) => m.lastSeq >= roomTop(room)));
    while (!caughtUp() && Date.now() < drainDeadline) await sleep(100);
    log(`soak: chaos over after ${((Date.now() - started) / 1000).toFixed(1)} s; ${caughtUp() ? "everyone caught up" : "drain timed out"}`);

    const counts: Counts[] = [];
    for (const [r, room] of members.entries()) {
      const owner = room[0];
      const conversationId = conversationIds[r];
      if (!owner || !conversationId) continue;
      const history: { seq: number; client_id: string }[] = [];
      for (;;) {
        const page = await owner.client.api.messages.list(conversationId, { after_seq: history.at(-1)?.seq ?? 0, limit: 100 });
        history.push(...page.messages.map((m) => ({ seq: m.seq, client_id: m.client_id })));
        if (!page.has_more || page.messages.length === 0) break;
      }
      const acked = new Map<string, number>();
      for (const m of room) for (const [clientId, seq] of m.acked) acked.set(clientId, seq);
      counts.push(checkRoom({ acked, history, members: room.map((m) => m.view) }));
    }
    const failures = everyone.flatMap((m) => m.failures);
    return {
      ...sumCounts(counts),
      disconnects,
      stackRestarts: stack.restarts,
      roomRestarts: stack.restarts * profile.rooms,
      failedSends: failures.length + everyone.reduce((n, m) => n + m.pending, 0),
      failures,
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all(members.flat().map((m) => m.close()));
    await stack.stop();
  }
}
