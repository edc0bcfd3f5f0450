/**
 * Whether an RTP payload (VP8, RFC 7741) starts a key frame: the first packet of partition 0 (S set,
 * PID 0) whose VP8 payload header has the inverse key-frame flag P cleared. The descriptor's optional
 * fields (picture id of 7 or 15 bits, TL0PICIDX, TID/KEYIDX) are skipped to reach that header.
 */
export function startsVp8KeyFrame(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined || (first & 0x10) === 0 || (first & 0x07) !== 0) return false;
  let at = 1;
  if (first & 0x80) {
    const extension = payload[at++];
    if (extension === undefined) return false;
    if (extension & 0x80) {
      const pictureId = payload[at++];
      if (pictureId === undefined) return false;
      if (pictureId & 0x80) at += 1; // 15-bit picture id
    }
    if (extension & 0x40) at += 1; // TL0PICIDX
    if (extension & 0x30) at += 1; // TID / KEYIDX
  }
  const header = payload[at];
  return header !== undefined && (header & 0x01) === 0;
}
