// Reading capture files back the way an analyst would: tshark for the RTP streams, the payloads of one
// stream and the SIP statistics, and the system's libopus (through python3 ctypes) to decode opus.
// Asynchronous: a test's event loop keeps running meanwhile (its idle HTTP connections see the server
// close them instead of being reused dead afterwards).
import { execFile } from 'node:child_process';

function run(file: string, args: string[], options: { input?: string; maxBuffer?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'buffer', maxBuffer: options.maxBuffer ?? 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message} ${stderr.toString('utf8').slice(0, 500)}`, { cause: err }));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

async function text(file: string, args: string[]): Promise<string> {
  return (await run(file, args)).toString('utf8');
}

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
export async function rtpStreams(path: string): Promise<RtpStreamRow[]> {
  const out = await text('tshark', ['-r', path, ...RTP_HEURISTIC, '-q', '-z', 'rtp,streams']);
  const rows: RtpStreamRow[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(?:[\d.]+\s+[\d.]+\s+)?(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(\S+)\s+(\d+)\s+(-?\d+)\s/.exec(line);
    if (m) rows.push({ src: m[1]!, srcPort: Number(m[2]), dst: m[3]!, dstPort: Number(m[4]), ssrc: Number(m[5]), payload: m[6]!, packets: Number(m[7]), lost: Number(m[8]) });
  }
  return rows;
}

/** The RTP payloads of one stream (by SSRC and destination port), in file order. */
export async function rtpPayloads(path: string, stream: Pick<RtpStreamRow, 'ssrc' | 'dstPort'>): Promise<Buffer[]> {
  const filter = `rtp.ssrc == ${stream.ssrc} && udp.dstport == ${stream.dstPort}`;
  const out = await text('tshark', ['-r', path, ...RTP_HEURISTIC, '-Y', filter, '-T', 'fields', '-e', 'rtp.payload']);
  return out.split('\n').filter((l) => l.length > 0).map((l) => Buffer.from(l.replace(/:/g, ''), 'hex'));
}

/** The RTCP Sender Reports in a file (RTCP found by heuristics): interface, sender SSRC, packet count. */
export async function rtcpSenderReports(path: string): Promise<Array<{ iface: string; ssrc: number; packets: number }>> {
  const out = await text('tshark', ['-r', path, ...RTP_HEURISTIC, '-o', 'rtcp.heuristic_rtcp:TRUE', '-Y', 'rtcp.pt == 200', '-T', 'fields', '-e', 'frame.interface_name', '-e', 'rtcp.senderssrc', '-e', 'rtcp.sender.packetcount']);
  return out.split('\n').filter((l) => l.length > 0).map((l) => {
    const [iface, ssrc, packets] = l.split('\t');
    return { iface: iface!, ssrc: Number(ssrc), packets: Number(packets) };
  });
}

/** Frame counts per pcapng interface name. */
export async function framesPerInterface(path: string): Promise<Record<string, number>> {
  const out = await text('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.interface_name']);
  const counts: Record<string, number> = {};
  for (const name of out.split('\n').filter((l) => l.length > 0)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** `tshark -q -z sip,stat`: requests by method and responses by status code. */
export async function sipStat(path: string): Promise<{ text: string; requests: Record<string, number>; responses: Record<string, number> }> {
  const out = await text('tshark', ['-r', path, '-q', '-z', 'sip,stat']);
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  for (const m of out.matchAll(/^\s*([A-Z]+)\s*:\s*(\d+)/gm)) requests[m[1]!] = Number(m[2]);
  for (const m of out.matchAll(/^\s*SIP (\d{3})[^:]*:\s*(\d+)/gm)) responses[m[1]!] = Number(m[2]);
  return { text: out, requests, responses };
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
export async function decodeOpus(packets: readonly Buffer[]): Promise<Int16Array> {
  const input = packets.map((p) => p.toString('hex')).join('\n') + '\n';
  const out = await run('python3', ['-c', OPUS_DECODER], { input, maxBuffer: 256 << 20 });
  return new Int16Array(out.buffer, out.byteOffset, out.length >> 1);
}
