// bench/conference load generator, its own process (its CPU is not the media process's): one UDP socket
// per stream sends 20 ms of a tone every 20 ms of monotonic time (pre-encoded PCMU or opus frames) to a
// PlainTransport, and counts what comes back. Reads its streams as JSON on stdin; on SIGUSR2 prints the
// counts so far ({mark, sent, received}), on SIGTERM {sent, received, perStreamMin} and exits.
import { createSocket, type Socket } from 'node:dgram';
import OpusScript from 'opusscript';

interface Stream {
  port: number;
  payloadType: number;
  ssrc: number;
  codec: 'PCMU' | 'opus';
  frequency: number;
}

function ulaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s = Math.min(s, 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
}

/** One second of 20 ms frames of the tone, encoded once (the generator's per-packet cost stays a copy). */
function frames(codec: Stream['codec'], frequency: number): Buffer[] {
  const rate = codec === 'opus' ? 48000 : 8000;
  const n = rate / 50;
  const encoder = codec === 'opus' ? new OpusScript(48000, 1, OpusScript.Application.VOIP) : undefined;
  const out: Buffer[] = [];
  for (let k = 0; k < 50; k++) {
    const pcm = Int16Array.from({ length: n }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * frequency * (k * n + i)) / rate)));
    out.push(encoder ? encoder.encode(Buffer.from(pcm.buffer), n) : Buffer.from(Array.from(pcm, ulaw)));
  }
  encoder?.delete();
  return out;
}

const input = await new Promise<string>((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve(text));
});
const streams = JSON.parse(input) as Stream[];
const cache = new Map<string, Buffer[]>();
const sockets: { socket: Socket; stream: Stream; frames: Buffer[]; received: number; seq: number }[] = [];
for (const stream of streams) {
  const key = `${stream.codec}/${stream.frequency}`;
  if (!cache.has(key)) cache.set(key, frames(stream.codec, stream.frequency));
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const entry = { socket, stream, frames: cache.get(key)!, received: 0, seq: 0 };
  socket.on('message', () => (entry.received += 1));
  sockets.push(entry);
}
let sent = 0;
const startedAt = performance.now();
let due = 0;
const timer = setInterval(() => {
  const now = Math.floor((performance.now() - startedAt) / 20) + 1;
  for (; due < now; due++) {
    for (const e of sockets) {
      const payload = e.frames[due % 50]!;
      const packet = Buffer.allocUnsafe(12 + payload.length);
      packet[0] = 0x80;
      packet[1] = e.stream.payloadType;
      packet.writeUInt16BE(e.seq & 0xffff, 2);
      packet.writeUInt32BE((due * (e.stream.codec === 'opus' ? 960 : 160)) >>> 0, 4);
      packet.writeUInt32BE(e.stream.ssrc, 8);
      payload.copy(packet, 12);
      e.seq += 1;
      e.socket.send(packet, e.stream.port, '127.0.0.1');
      sent += 1;
    }
  }
}, 5);
process.stdout.write('ready\n');

function finish(): void {
  clearInterval(timer);
  const received = sockets.reduce((n, e) => n + e.received, 0);
  process.stdout.write(JSON.stringify({ sent, received, perStreamMin: Math.min(...sockets.map((e) => e.received)) }) + '\n');
  for (const e of sockets) e.socket.close();
  process.exit(0);
}
process.on('SIGTERM', finish);
// A mark: the counts so far, so the runner can take the measuring window's share alone.
process.on('SIGUSR2', () => process.stdout.write(JSON.stringify({ mark: true, sent, received: sockets.reduce((n, e) => n + e.received, 0) }) + '\n'));
