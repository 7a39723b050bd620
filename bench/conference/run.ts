// bench/conference: the cost of mixing. N three-party conferences (a user's two calls on two routers: the
// user's softphone in opus, two PBX far ends in PCMU) through ucserver's Conference (DirectTransport
// Consumers into the Node.js mixer, feeds back as DirectTransport Producers), against N two-party calls
// relayed by mediasoup alone (router + 2 PlainTransports, PCMU both ways), in the same run. A load
// generator in its own process (gen.ts) sends every stream and counts what comes back. For each N: the
// media process's CPU (the mixer runs there) and the worker's, µs of CPU per mixed 20 ms frame per
// participant, conferences per core, and the relay's figures for the same N. Ends with one JSON line.
//   npm run bench:conference [-- --quick] [-- --sizes 10,25,50] [-- --seconds 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PlainTransport, Producer, Router } from 'mediasoup/types';
import { testLogger } from '@ucserver/testkit';
import { preloadOpus } from '../../services/media/src/conference/codecFor.ts';
import { Conference } from '../../services/media/src/conference/Conference.ts';
import { MediaWorker } from '../../services/media/src/workers/MediaWorker.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, sizes: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' } } });
const quick = values.quick ?? false;
const sizes = (values.sizes ?? (quick ? '5,20' : '10,25,50,100')).split(',').map(Number);
const windowSeconds = Number(values.seconds ?? (quick ? 3 : 10));
const warmupSeconds = Number(values.warmup ?? (quick ? 1 : 3));
const logger = testLogger('bench-conference');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface GenStream {
  port: number;
  payloadType: number;
  ssrc: number;
  codec: 'PCMU' | 'opus';
  frequency: number;
}

interface Setup {
  streams: GenStream[];
  /** Mixed frames so far (sum over conferences of ticks × participants); 0 for the relay. */
  frames(): number;
  busyMs(): number;
  skippedTicks(): number;
  close(): void;
}

let nextSsrc = 0x10000;

async function endpoint(router: Router, worker: MediaWorker, codec: 'PCMU' | 'opus', frequency: number): Promise<{ transport: PlainTransport; producer: Producer; stream: GenStream }> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: worker.portRange }, rtcpMux: true, comedia: true });
  const rc = router.rtpCapabilities.codecs!.find((c) => c.mimeType === `audio/${codec}`)!;
  const ssrc = nextSsrc++;
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: rc.mimeType, payloadType: rc.preferredPayloadType!, clockRate: rc.clockRate, ...(rc.channels ? { channels: rc.channels } : {}), parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc }] },
  });
  return { transport, producer, stream: { port: transport.tuple.localPort, payloadType: rc.preferredPayloadType!, ssrc, codec, frequency } };
}

async function consumeOn(transport: PlainTransport, router: Router, source: Producer): Promise<void> {
  const mime = source.rtpParameters.codecs[0]!.mimeType.toLowerCase();
  await transport.consume({ producerId: source.id, rtpCapabilities: { codecs: router.rtpCapabilities.codecs!.filter((c) => c.mimeType.toLowerCase() === mime), headerExtensions: [] } });
}

async function conferences(worker: MediaWorker, n: number): Promise<Setup> {
  const routers: Router[] = [];
  const rooms: Conference[] = [];
  const streams: GenStream[] = [];
  for (let i = 0; i < n; i++) {
    const held = await worker.createRouter({ bench: 'held' });
    const active = await worker.createRouter({ bench: 'active' });
    routers.push(held, active);
    const conference = new Conference({ id: `conf-${i}`, maxParticipants: 3, logger });
    rooms.push(conference);
    const parties = [
      { id: 'user', ...(await endpoint(active, worker, 'opus', 440)), router: active },
      { id: 'c', ...(await endpoint(active, worker, 'PCMU', 1000)), router: active },
      { id: 'b', ...(await endpoint(held, worker, 'PCMU', 1700)), router: held },
    ];
    for (const p of parties) {
      const feed = await conference.add({ id: p.id, router: p.router, source: p.producer });
      await consumeOn(p.transport, p.router, feed);
      streams.push(p.stream);
    }
  }
  return {
    streams,
    frames: () => rooms.reduce((s, c) => s + c.mixerStats.ticks * c.size, 0),
    busyMs: () => rooms.reduce((s, c) => s + c.mixerStats.busyMs, 0),
    skippedTicks: () => rooms.reduce((s, c) => s + c.mixerStats.skippedTicks, 0),
    close: () => {
      for (const c of rooms) c.close();
      for (const r of routers) r.close();
    },
  };
}

async function relayCalls(worker: MediaWorker, n: number): Promise<Setup> {
  const routers: Router[] = [];
  const streams: GenStream[] = [];
  for (let i = 0; i < n; i++) {
    const router = await worker.createRouter({ bench: 'relay' });
    routers.push(router);
    const a = await endpoint(router, worker, 'PCMU', 440);
    const b = await endpoint(router, worker, 'PCMU', 1000);
    await consumeOn(a.transport, router, b.producer);
    await consumeOn(b.transport, router, a.producer);
    streams.push(a.stream, b.stream);
  }
  return { streams, frames: () => 0, busyMs: () => 0, skippedTicks: () => 0, close: () => routers.forEach((r) => r.close()) };
}

async function startGenerator(streams: GenStream[]): Promise<ChildProcess> {
  const gen = spawn(process.execPath, ['--conditions=ucs-source', fileURLToPath(new URL('./gen.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  gen.stdin!.end(JSON.stringify(streams));
  const [line] = (await Promise.race([once(gen.stdout!, 'data'), new Promise((_, reject) => setTimeout(() => reject(new Error('generator did not start in 20 s')), 20_000))])) as [Buffer];
  if (!line.toString().startsWith('ready')) throw new Error(`generator said ${line.toString()}`);
  return gen;
}

/** The generator's counts so far (sent, received back). */
async function markGenerator(gen: ChildProcess): Promise<{ sent: number; received: number }> {
  const line = once(gen.stdout!, 'data') as Promise<[Buffer]>;
  gen.kill('SIGUSR2');
  const [data] = await line;
  return JSON.parse(data.toString().trim().split('\n').pop()!) as { sent: number; received: number };
}

async function stopGenerator(gen: ChildProcess): Promise<{ sent: number; received: number; perStreamMin: number }> {
  let out = '';
  gen.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  gen.kill('SIGTERM');
  await once(gen, 'exit');
  return JSON.parse(out.trim().split('\n').pop()!) as { sent: number; received: number; perStreamMin: number };
}

async function workerCpuMs(worker: MediaWorker): Promise<number> {
  const u = await worker.worker.getResourceUsage();
  return u.ru_utime + u.ru_stime;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function measure(worker: MediaWorker, system: 'conference' | 'relay', n: number): Promise<Record<string, number | string>> {
  const setup = system === 'conference' ? await conferences(worker, n) : await relayCalls(worker, n);
  const gen = await startGenerator(setup.streams);
  try {
    await sleep(warmupSeconds * 1000);
    const m0 = await markGenerator(gen);
    const cpu0 = process.cpuUsage();
    const w0 = await workerCpuMs(worker);
    const f0 = setup.frames();
    const b0 = setup.busyMs();
    const s0 = setup.skippedTicks();
    const t0 = performance.now();
    await sleep(windowSeconds * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const nodeMs = (cpu.user + cpu.system) / 1000;
    const workerMs = (await workerCpuMs(worker)) - w0;
    const frames = setup.frames() - f0;
    const m1 = await markGenerator(gen);
    const result = await stopGenerator(gen);
    const streams = setup.streams.length;
    const nodeCpu = (100 * nodeMs) / 1000 / seconds;
    const workerCpu = (100 * workerMs) / 1000 / seconds;
    const row: Record<string, number | string> = {
      system,
      n,
      streams,
      nodeCpuPercent: round(nodeCpu),
      workerCpuPercent: round(workerCpu),
      // In the window: packets back per packet sent (a conference sends each participant one per 20 ms).
      deliveredPercent: round((100 * (m1.received - m0.received)) / Math.max(1, m1.sent - m0.sent)),
      perStreamMinReceived: result.perStreamMin,
      perUnitCpuPercent: round((nodeCpu + workerCpu) / n, 3),
      unitsPerCore: round((100 * n) / Math.max(0.01, nodeCpu + workerCpu), 0),
    };
    if (system === 'conference') {
      row.mixedFrames = frames;
      row.usCpuPerFramePerParticipant = round((nodeMs * 1000) / Math.max(1, frames));
      row.usCpuPerFramePerParticipantWithWorker = round(((nodeMs + workerMs) * 1000) / Math.max(1, frames));
      row.usMixBusyPerFramePerParticipant = round(((setup.busyMs() - b0) * 1000) / Math.max(1, frames));
      row.skippedTicks = setup.skippedTicks() - s0;
    } else {
      // Each stream's 50 packets/s go in once and out once.
      row.usCpuPerRelayedPacket = round(((nodeMs + workerMs) * 1000) / Math.max(1, streams * 50 * seconds));
    }
    return row;
  } finally {
    if (gen.exitCode === null) gen.kill('SIGKILL');
    setup.close();
  }
}

const worker = await MediaWorker.create({ index: 0, logLevel: 'none', listenIp: '127.0.0.1', announcedAddress: undefined, webRtcPort: 0, portRange: { min: 42000, max: 47999 } });
preloadOpus();
const rows: Record<string, number | string>[] = [];
try {
  for (const n of sizes) {
    for (const system of ['conference', 'relay'] as const) {
      const row = await measure(worker, system, n);
      log(JSON.stringify(row));
      rows.push(row);
    }
  }
} finally {
  worker.close();
}
const largest = sizes[sizes.length - 1]!;
const conf = rows.find((r) => r.system === 'conference' && r.n === largest)!;
const relay = rows.find((r) => r.system === 'relay' && r.n === largest)!;
log('');
log('| N | system | node CPU % | worker CPU % | µs CPU / frame / participant (node; +worker) | delivered % | per core |');
log('|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const us = r.system === 'conference' ? `${r.usCpuPerFramePerParticipant}; ${r.usCpuPerFramePerParticipantWithWorker}` : `(relay: ${r.usCpuPerRelayedPacket} µs / packet)`;
  log(`| ${r.n} | ${r.system} | ${r.nodeCpuPercent} | ${r.workerCpuPercent} | ${us} | ${r.deliveredPercent} | ${r.unitsPerCore} |`);
}
console.log(JSON.stringify({
  bench: 'conference',
  quick,
  windowSeconds,
  sizes,
  usCpuPerFramePerParticipant: conf.usCpuPerFramePerParticipant,
  usCpuPerFramePerParticipantWithWorker: conf.usCpuPerFramePerParticipantWithWorker,
  conferencesPerCore: conf.unitsPerCore,
  relayCallsPerCore: relay.unitsPerCore,
  conferenceCostPerRelayCall: round(Number(conf.perUnitCpuPercent) / Math.max(0.0001, Number(relay.perUnitCpuPercent)), 1),
  rows,
}));
