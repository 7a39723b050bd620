// Reads a capture back the way an analyst would: the file through the node's capture.read command,
// then tshark for the RTP streams and the payloads of each.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CAPTURE_READ_MAX_BYTES } from '@ucserver/shared';
import type { Harness } from '../support/harness.ts';

export interface RtpStreamRow {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  payload: string;
  packets: number;
  lost: number;
}

/** Downloads a stopped capture to `path` in chunks. */
export async function download(h: Harness, captureId: string, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const { data, total } = await h.request('captureRead', { captureId, offset, length: CAPTURE_READ_MAX_BYTES });
    const chunk = Buffer.from(data, 'base64');
    chunks.push(chunk);
    offset += chunk.length;
    if (offset >= total || chunk.length === 0) break;
  }
  const file = Buffer.concat(chunks);
  writeFileSync(path, file);
  return file;
}

/** `tshark -z rtp,streams` with RTP found by heuristics (any UDP port). */
export function rtpStreams(path: string): RtpStreamRow[] {
  const out = execFileSync('tshark', ['-r', path, '-o', 'rtp.heuristic_rtp:TRUE', '-q', '-z', 'rtp,streams'], { encoding: 'utf8' });
  const rows: RtpStreamRow[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(?:[\d.]+\s+[\d.]+\s+)?(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(\S+)\s+(\d+)\s+(-?\d+)\s/.exec(line);
    if (m) rows.push({ src: m[1]!, srcPort: Number(m[2]), dst: m[3]!, dstPort: Number(m[4]), ssrc: Number(m[5]), payload: m[6]!, packets: Number(m[7]), lost: Number(m[8]) });
  }
  return rows;
}

/** The RTP payloads of one stream (by SSRC and destination port), in file order. */
export function streamPayloads(path: string, row: Pick<RtpStreamRow, 'ssrc' | 'dstPort'>): Buffer[] {
  const filter = `rtp.ssrc == ${row.ssrc} && udp.dstport == ${row.dstPort}`;
  const out = execFileSync('tshark', ['-r', path, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', filter, '-T', 'fields', '-e', 'rtp.payload'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.length > 0).map((l) => Buffer.from(l.replace(/:/g, ''), 'hex'));
}

/** Frame counts per interface name. */
export function framesPerInterface(path: string): Record<string, number> {
  const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const counts: Record<string, number> = {};
  for (const name of out.split('\n').filter((l) => l.length > 0)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
