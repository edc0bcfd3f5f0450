/** What one member saw of its room: the SDK's `message` events and the seqs in the raw server frames, in arrival order. */
export interface MemberView {
  delivered: { seq: number; client_id: string }[];
  raw: number[];
}

export interface RoomView {
  /** client_id → seq of every send some member saw acknowledged. */
  acked: Map<string, number>;
  /** GET history, oldest first: the source of truth. */
  history: { seq: number; client_id: string }[];
  members: MemberView[];
}

export interface Counts {
  acked: number;
  deliveries: number;
  /** Acknowledged seqs a member never got, or that history lacks (or holds under another client_id). */
  lost: number;
  /** SDK events for a seq already delivered, plus client_ids stored twice in history. */
  doubled: number;
  /** SDK events with a seq below one already delivered. */
  reordered: number;
  /** Delivered or stored seqs nobody saw acknowledged (after the drain every send is acked, so this is 0). */
  unexpected: number;
  /** The same, on the raw server frames (the SDK must absorb these; they say what the server sent). */
  rawDoubled: number;
  rawReordered: number;
}

function orderFaults(seqs: readonly number[]): { doubled: number; reordered: number } {
  const seen = new Set<number>();
  let max = 0;
  let doubled = 0;
  let reordered = 0;
  for (const seq of seqs) {
    if (seen.has(seq)) doubled++;
    else if (seq < max) reordered++;
    seen.add(seq);
    max = Math.max(max, seq);
  }
  return { doubled, reordered };
}

/** Exactly once, in seq order, on every member, and in history: the soak's verdict for one room. */
export function checkRoom(room: RoomView): Counts {
  const ackedSeqs = new Set(room.acked.values());
  const historyBySeq = new Map(room.history.map((m) => [m.seq, m.client_id]));
  const counts: Counts = { acked: room.acked.size, deliveries: 0, lost: 0, doubled: 0, reordered: 0, unexpected: 0, rawDoubled: 0, rawReordered: 0 };
  for (const [clientId, seq] of room.acked) if (historyBySeq.get(seq) !== clientId) counts.lost++;
  // Two acks for one seq mean one of the two messages is not where its sender was told it is.
  counts.lost += room.acked.size - ackedSeqs.size;
  counts.doubled += room.history.length - new Set(room.history.map((m) => m.client_id)).size;
  counts.unexpected += room.history.filter((m) => !ackedSeqs.has(m.seq)).length;
  for (const member of room.members) {
    const seqs = member.delivered.map((m) => m.seq);
    const got = new Set(seqs);
    counts.deliveries += seqs.length;
    for (const seq of ackedSeqs) if (!got.has(seq)) counts.lost++;
    for (const seq of got) if (!ackedSeqs.has(seq)) counts.unexpected++;
    // A delivered seq carrying another message than history has there is a lost one too.
    for (const m of member.delivered) if (historyBySeq.has(m.seq) && historyBySeq.get(m.seq) !== m.client_id) counts.lost++;
    const sdk = orderFaults(seqs);
    counts.doubled += sdk.doubled;
    counts.reordered += sdk.reordered;
    const raw = orderFaults(member.raw);
    counts.rawDoubled += raw.doubled;
    counts.rawReordered += raw.reordered;
  }
  return counts;
}

export function sumCounts(all: readonly Counts[]): Counts {
  const total: Counts = { acked: 0, deliveries: 0, lost: 0, doubled: 0, reordered: 0, unexpected: 0, rawDoubled: 0, rawReordered: 0 };
  for (const c of all) for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += c[key];
  return total;
}
