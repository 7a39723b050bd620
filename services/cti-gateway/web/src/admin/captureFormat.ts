// Call capture in the console, the parts without the DOM: what the admin API's capture list answers
// (CaptureInfo of packages/shared), sizes, state texts and the messages of the API's refusals.

export interface Capture {
  captureId: string;
  callId: string;
  nodeId: string;
  state: 'running' | 'stopped' | 'failed';
  stopReason: string | null;
  error: string | null;
  startedBy: string;
  startedAt: number;
  stoppedAt: number | null;
  maxSeconds: number;
  maxBytes: number;
  bytes: number;
  packets: number;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const REASONS: Record<string, string> = {
  requested: 'stopped',
  'call-ended': 'call ended',
  'duration-limit': 'time limit reached',
  'size-limit': 'size limit reached',
  'write-failed': 'write failed',
  'node-stopping': 'media node stopped',
};

/** "running · 12.0 kB", "stopped · 80.3 kB (call ended)", "failed: <error>". */
export function captureStateText(c: Capture): string {
  if (c.state === 'running') return `running · ${bytesText(c.bytes)}`;
  if (c.state === 'failed') return `failed${c.error ? `: ${c.error}` : ''}`;
  const why = c.stopReason && c.stopReason !== 'requested' ? ` (${REASONS[c.stopReason] ?? c.stopReason})` : '';
  return `stopped · ${bytesText(c.bytes)}${why}`;
}

/** The newest capture of each call (the API lists newest first): the one the call row shows. */
export function newestByCall(list: readonly Capture[]): Map<string, Capture> {
  const out = new Map<string, Capture>();
  for (const c of list) if (!out.has(c.callId)) out.set(c.callId, c);
  return out;
}

/** The capture a call's download (GET /calls/{id}/capture.pcapng) delivers: its newest one not running. */
export function downloadable(list: readonly Capture[]): Set<string> {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const c of list) {
    if (c.state === 'running' || seen.has(c.callId)) continue;
    seen.add(c.callId);
    out.add(c.captureId);
  }
  return out;
}

/**
 * The media node's own words in an API message: without the relay's "media node capture.start failed:
 * <CODE>: " prefix and the trailing "[key:value]" context (the banner names the call already).
 */
export function nodeWords(message: string): string {
  return message.replace(/^.*?failed: [A-Z][A-Z0-9_]{5,}: /, '').replace(/(\s*\[[^\]]*\])+\s*$/, '').trim();
}

/** A clear sentence for a refused capture action (status and message of the admin API's answer). */
export function captureErrorText(action: 'start' | 'stop' | 'download' | 'delete', status: number, apiMessage: string): string {
  const message = nodeWords(apiMessage);
  switch (status) {
    case 409: return action === 'start' ? 'A capture of this call is already running: stop it first, or download it once stopped.' : `Not possible now: ${message}`;
    case 413: return `The capture is too large for the media node's limit (${message}).`;
    case 429: return `Too many captures are running on the media node; stop one first (${message}).`;
    case 404: return `Not found: ${message}`;
    case 503: return `The gateway has no bus connection yet; try again (${message}).`;
    case 507: return `The media node could not write the capture file (${message}).`;
    default: return `Capture ${action} failed: ${message}`;
  }
}
