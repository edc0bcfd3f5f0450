/** The media kind of each m-section of an SDP, by its `a=mid:` (sections without a mid are skipped). */
export function kindsByMid(sdp: string | undefined): Map<string, "audio" | "video"> {
  const kinds = new Map<string, "audio" | "video">();
  if (!sdp) return kinds;
  let kind: "audio" | "video" | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) kind = line.startsWith("m=audio ") ? "audio" : line.startsWith("m=video ") ? "video" : null;
    else if (kind && line.startsWith("a=mid:")) kinds.set(line.slice("a=mid:".length).trim(), kind);
  }
  return kinds;
}
