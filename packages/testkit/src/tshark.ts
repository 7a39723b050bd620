// Reading capture files back the way an analyst would: tshark for the RTP streams, the payloads of one
// stream and the SIP statistics, and the system's libopus (through python3 ctypes) to decode opus.
import { execFileSync } from 'node:child_process';

export interface RtpStreamRow {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  /** tshark's payload name (`g711U`, `g711A`, `opus`…). */
  payload: string;
  packets: number;
  lost: number;
}

const RTP_HEURISTIC = ['-o', 'rtp.heuristic_rtp:TRUE'];

/** `tshark -q -z rtp,streams`, with RTP found by heuristics on any UDP port. */
export function rtpStreams(path: string): RtpStreamRow[] {
  const out = execFileSync('tshark', ['-r', path, ...RTP_HEURISTIC, '-q', '-z', 'rtp,streams'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const rows: RtpStreamRow[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(?:[\d.]+\s+[\d.]+\s+)?(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(\S+)\s+(\d+)\s+(-?\d+)\s/.exec(line);
    if (m) rows.push({ src: m[1]!, srcPort: Number(m[2]), dst: m[3]!, dstPort: Number(m[4]), ssrc: Number(m[5]), payload: m[6]!, packets: Number(m[7]), lost: Number(m[8]) });
  }
  return rows;
}

/** The RTP payloads of one stream (by SSRC and destination port), in file order. */
export function rtpPayloads(path: string, stream: Pick<RtpStreamRow, 'ssrc' | 'dstPort'>): Buffer[] {
  const filter = `rtp.ssrc == ${stream.ssrc} && udp.dstport == ${stream.dstPort}`;
  const out = execFileSync('tshark', ['-r', path, ...RTP_HEURISTIC, '-Y', filter, '-T', 'fields', '-e', 'rtp.payload'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.length > 0).map((l) => Buffer.from(l.replace(/:/g, ''), 'hex'));
}

/** Frame counts per pcapng interface name. */
export function framesPerInterface(path: string): Record<string, number> {
  const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const counts: Record<string, number> = {};
  for (const name of out.split('\n').filter((l) => l.length > 0)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** `tshark -q -z sip,stat`: requests by method and responses by status code. */
export function sipStat(path: string): { text: string; requests: Record<string, number>; responses: Record<string, number> } {
  const text = execFileSync('tshark', ['-r', path, '-q', '-z', 'sip,stat'], { encoding: 'utf8' });
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  for (const m of text.matchAll(/^\s*([A-Z]+)\s*:\s*(\d+)/gm)) requests[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^\s*SIP (\d{3})[^:]*:\s*(\d+)/gm)) responses[m[1]!] = Number(m[2]);
  return { text, requests, responses };
}

const OPUS_DECODER = `
import ctypes, sys
lib = ctypes.CDLL('libopus.so.0')
lib.opus_decoder_create.restype = ctypes.c_void_p
lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
err = ctypes.c_int()
dec = lib.opus_decoder_create(48000, 1, ctypes.byref(err))
if err.value != 0: sys.exit('opus_decoder_create failed: %d' % err.value)
pcm = (ctypes.c_int16 * 5760)()
out = sys.stdout.buffer
for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    n = lib.opus_decode(dec, data, len(data), pcm, 5760, 0)
    if n < 0: sys.exit('opus_decode failed: %d' % n)
    out.write(bytes(pcm)[:n * 2])
`;

/** Decodes opus packets (one per RTP payload) to 48 kHz mono 16-bit samples with the system's libopus. */
export function decodeOpus(packets: readonly Buffer[]): Int16Array {
  const input = packets.map((p) => p.toString('hex')).join('\n') + '\n';
  const out = execFileSync('python3', ['-c', OPUS_DECODER], { input, maxBuffer: 256 << 20 });
  return new Int16Array(out.buffer, out.byteOffset, out.length >> 1);
}
