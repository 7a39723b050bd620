export interface RtpengineOptions {
  /** The address to relay on and listen for ng commands at (default 127.0.0.1); a TestNetwork host's with `netns`. */
  host?: string;
  /** Run it in this network namespace (a TestNetwork host's `netns`). */
  netns?: string;
  /** Lowest RTP port (default: a free block of 200 ports picked at run time). */
  portMin?: number;
  /** Highest RTP port. */
  portMax?: number;
  /** UDP port of the ng control protocol (default 0: pick a free one). */
  ngPort?: number;
  /** Seconds a deleted call stays queryable (rtpengine's default 30; `query` after BYE needs > 0). */
  deleteDelay?: number;
  /** rtpengine log level 0..7 (default 6, info). */
  logLevel?: number;
  /** Bounded wait for the first `ping` → `pong` (default 10 s). */
  readyTimeoutMs?: number;
}

/** Packets/bytes/errors of one direction or total. */
export interface RtpCounters {
  packets: number;
  bytes: number;
  errors: number;
}

/** One media stream of one party (tag) of a call as rtpengine sees it. */
export interface RtpengineStream {
  /** The From/To tag of the party whose packets this stream receives. */
  tag: string;
  media: string;
  protocol: string;
  /** rtpengine's local port the party sends to. */
  localPort: number;
  /** The party's address (where rtpengine sends that party's media). */
  endpoint: { address: string; port: number } | undefined;
  rtcp: boolean;
  /** Packets rtpengine received on `localPort` (i.e. relayed from that party). */
  stats: RtpCounters;
}

export interface RtpengineCallStats {
  callId: string;
  /** Totals over all streams of the call (RTP and RTCP). */
  rtp: RtpCounters;
  rtcp: RtpCounters;
  streams: RtpengineStream[];
}

/** The totals of rtpengine's `statistics` command, flattened to the counters tests assert on. */
export interface RtpengineTotals {
  /** Sessions currently handled. */
  currentSessions: number;
  /** Sessions handled since start (managedsessions). */
  managedSessions: number;
  relayedPackets: number;
  relayedBytes: number;
  relayedPacketErrors: number;
  offers: number;
  answers: number;
  deletes: number;
}
