/**
 * SDP text fixes for what werift writes. A section werift marks inactive gets port 0, which a
 * browser reads as "rejected": it drops the section from BUNDLE and refuses to reuse it. We keep
 * such a section open (port 9, `a=inactive`) unless the other side's offer itself rejected it.
 */

const SECTION_SPLIT = /\r\n(?=m=)/;

interface MediaSection {
  mid: string | null;
  port: string | null;
}

function sectionOf(text: string): MediaSection {
  const port = /^m=\S+ (\d+) /.exec(text)?.[1] ?? null;
  const mid = /\r\na=mid:(\S+)/.exec(`\r\n${text}`)?.[1] ?? null;
  return { mid, port };
}

/** Each media section's mid, by m-line index. */
export function midsByIndex(sdp: string): (string | null)[] {
  return sdp
    .split(SECTION_SPLIT)
    .slice(1)
    .map((text) => sectionOf(text).mid);
}

/** The mids of the media sections an SDP rejects (port 0). */
export function rejectedMids(sdp: string): Set<string> {
  const mids = new Set<string>();
  for (const section of sdp.split(SECTION_SPLIT).slice(1).map(sectionOf)) {
    if (section.port === "0" && section.mid) mids.add(section.mid);
  }
  return mids;
}

/**
 * `sdp` with every port-0 section reopened as port 9 + `a=inactive`, except the mids in
 * `keepRejected` (the other side rejected them: they stay rejected for good, and out of BUNDLE,
 * which a browser checks against its own group).
 */
export function reopenInactiveSections(sdp: string, keepRejected: ReadonlySet<string> = new Set()): string {
  const [rawHead = "", ...sections] = sdp.split(SECTION_SPLIT);
  const head = rawHead.replace(/^(a=group:BUNDLE)((?: \S+)*)$/m, (_line, group: string, mids: string) => {
    const kept = mids.split(" ").filter((mid) => mid && !keepRejected.has(mid));
    return [group, ...kept].join(" ");
  });
  const fixed = sections.map((text) => {
    const { mid, port } = sectionOf(text);
    if (port !== "0" || (mid && keepRejected.has(mid))) return text;
    const reopened = text.replace(/^(m=\S+) 0 /, "$1 9 ");
    return /\r\na=(inactive|sendonly|recvonly|sendrecv)\r\n/.test(`${reopened}\r\n`) ? reopened : reopened.replace(/\r\n(?=a=)/, "\r\na=inactive\r\n");
  });
  return [head, ...fixed].join("\r\n");
}

/**
 * A cheap shape check before handing text to werift, whose parser accepts almost anything and then
 * fails later in odd places: a session description starts with `v=0` and has at least an `o=` line.
 */
export function looksLikeSdp(sdp: string): boolean {
  return /^v=0\r?\n/.test(sdp) && /\r?\no=\S/.test(sdp) && /\r?\nm=(audio|video|application) /.test(sdp);
}
