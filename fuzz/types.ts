// Shared shapes of the fuzz suite: targets, inputs with their expectation, outcomes, findings.

export const TARGETS = ['cti-tcp', 'cti-ws', 'sip-udp', 'sip-tcp', 'sdp'] as const;
export type TargetName = (typeof TARGETS)[number];

/** What became of one input. */
export type Outcome =
  /** The answer the input is owed arrived (ROSE result/error/reject, SIP response, the probe's answer). */
  | 'answered'
  /** The server closed the connection (or the WebSocket with a code) within the bound. */
  | 'closed'
  /** No answer is owed and none is checked (a response-less datagram, RFC 3261 §18.3 / §16.3). */
  | 'unanswered-allowed'
  /** Neither an answer nor a close within the bound, where one was due. */
  | 'unanswered';

export interface OutcomeRecord {
  target: TargetName;
  index: number;
  mutation: string;
  outcome: Outcome;
  /** What was missing, for findings. */
  detail?: string;
  /** The first bytes of the input, for findings. */
  excerpt: string;
  /** Time from sending to the outcome (set by the runner). */
  ms?: number;
}

export interface TargetCounts {
  sent: number;
  answered: number;
  closed: number;
  unansweredAllowed: number;
  unanswered: number;
  /** Mean time per input in ms. */
  meanMs: number;
}

export interface ServiceSample {
  name: string;
  pid: number | undefined;
  alive: boolean;
  healthy: boolean;
  rssKiB: number | undefined;
  logBytes: number;
}

export interface ServiceStats {
  name: string;
  rssStartKiB: number | undefined;
  rssEndKiB: number | undefined;
  rssMaxKiB: number | undefined;
  logStartBytes: number;
  logEndBytes: number;
  crashes: number;
}

/** One sent input and what the target expects back; the target fills in the outcome. */
export interface FuzzTarget {
  readonly name: TargetName;
  /** Opens connections/sockets; called once. */
  open(): Promise<void>;
  /** Sends input `index` (generated from the run's seed) and resolves with its outcome. */
  run(index: number): Promise<OutcomeRecord>;
  close(): Promise<void>;
}

/** An excerpt of raw bytes for reports: printable ASCII kept, the rest as \xNN, at most `max` characters. */
export function excerptBytes(data: Buffer | string, max = 240): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let out = '';
  for (const b of buf.subarray(0, max)) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x0d ? '\\r' : b === 0x0a ? '\\n' : `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length >= max) break;
  }
  return buf.length > max ? `${out}… (${buf.length} bytes)` : out;
}
