// bench/media-relay: N concurrent bridged G.711 calls (20 ms packets, 50 packets/s per stream, both
// directions) through a relay pinned to one core, fed by a C load generator (gen.c, sendmmsg/recvmmsg,
// send timestamps and sequence numbers in the payload) pinned to the other core. For rising N: the relay's
// CPU (/proc/<pid>/stat), packets/s, loss, one-way latency p50/p99, and the highest N with the relay below
// a full core and p99 ≤ 20 ms. Systems, in the same run:
//   rtpengine         userspace, --num-threads=1, plain RTP on both sides (baseline: the floor)
//   rtpengine-webrtc  the same, side B WebRTC (ICE-lite, DTLS-SRTP): the topology of a call via the PBX (baseline)
//   rtpengine-webrtc2 both sides WebRTC: the topology of a Direct Media conversation (baseline)
//   mediasoup-plain   raw mediasoup: router + 2 PlainTransports per call (baseline)
//   mediasoup-webrtc  raw mediasoup: router + WebRtcTransport (DTLS-SRTP) + PlainTransport per call (baseline
//                     with the topology of a ucserver call)
//   mediasoup-webrtc2 raw mediasoup: router + 2 WebRtcTransports per conversation (a Direct Media conversation's
//                     topology in one router, no pipe)
//   ucserver-pbx      ucserver's media node, calls via the PBX (softphone WebRTC leg + PBX RTP leg)
//   ucserver-direct   ucserver's media node, pairs of calls linked by Direct Media
//   mediasoup-webrtc2-video, ucserver-direct-video   the same two with a ~1 Mbit/s VP8 camera each way (video sizes)
// See README.md for the method.
//   npm run bench:media-relay [-- --quick] [-- --systems rtpengine,ucserver-pbx] [-- --sizes 200,400] [-- --seconds 10]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { natsUrl } from '@ucserver/testkit';
import { endpointIp, Generator, type SrtpProfile, type WindowReport } from './Generator.ts';
import { CpuMeter, load1, pin, waitForQuiet } from './proc.ts';
import { startRawMediasoup } from './rawMediasoup.ts';
import type { RelaySystem } from './RelaySystem.ts';
import { startRtpengine } from './rtpengine.ts';
import { startUcserver } from './ucserver.ts';

const allSystems = ['rtpengine', 'rtpengine-webrtc', 'rtpengine-webrtc2', 'mediasoup-plain', 'mediasoup-webrtc', 'mediasoup-webrtc2', 'ucserver-pbx', 'ucserver-direct', 'ucserver-pbx-capture', 'mediasoup-webrtc2-video', 'ucserver-direct-video'] as const;
type SystemName = (typeof allSystems)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    systems: { type: 'string' },
    sizes: { type: 'string' },
    'video-sizes': { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    srtp: { type: 'string' },
    'max-load': { type: 'string' },
    'p99-ms': { type: 'string' },
    'no-refine': { type: 'boolean' },
    'gen-streams': { type: 'string' },
    'media-env': { type: 'string' },
    workers: { type: 'string' },
    'all-sizes': { type: 'boolean' },
  },
});
const quick = values.quick ?? false;
const systems = (values.systems ?? allSystems.join(',')).split(',').map((s) => s.trim()) as SystemName[];
for (const s of systems) if (!allSystems.includes(s)) throw new Error(`unknown system '${s}' (known: ${allSystems.join(', ')})`);
const sizes = (values.sizes ?? (quick ? '100,300' : '200,400,600,800,1000,1200,1400,1600,1800,2000,2400,2800,3200')).split(',').map(Number);
// A video call relays 300 packets/s (2 × 50 audio + 2 × 100 video) and 2 Mbit/s: its own, smaller sizes.
const videoSizes = (values['video-sizes'] ?? (quick ? '25,75' : '50,100,150,200,250,300,400,500,600,800')).split(',').map(Number);
const isVideo = (name: string): boolean => name.endsWith('-video');
const windowSeconds = Number(values.seconds ?? (quick ? 2 : 10));
const warmupSeconds = Number(values.warmup ?? (quick ? 1 : 3));
const srtp: SrtpProfile = values.srtp === 'cm80' ? 'SRTP_AES128_CM_SHA1_80' : 'SRTP_AEAD_AES_256_GCM';
const maxLoad = Number(values['max-load'] ?? 1.5);
const p99LimitMs = Number(values['p99-ms'] ?? 20);
/** The relay counts as saturated from here (a pegged core reads 98–100 % with tick-based accounting). */
const cpuLimit = 97;
const lossLimit = 1;
/** Measure every size even past an unhealthy one (a loaded machine: compare µs/packet per size). */
const allSizes = values['all-sizes'] ?? false;
const refine = !quick && !values['no-refine'] && !allSizes;
const genStreams = Number(values['gen-streams'] ?? 5000);
/** Extra environment for ucserver's media node, e.g. `--media-env MEDIA_SSRC_WATCHDOG_MS=0,MEDIA_STATS_INTERVAL_MS=60000`. */
const mediaEnv = Object.fromEntries((values['media-env'] ?? '').split(',').filter(Boolean).map((kv) => {
  const at = kv.indexOf('=');
  if (at <= 0) throw new Error(`--media-env expects KEY=VALUE pairs, got '${kv}'`);
  return [kv.slice(0, at), kv.slice(at + 1)];
}));
/**
 * `--workers 1,2`: every ucserver system once per count of mediasoup workers (MEDIA_WORKERS); with 2,
 * the second worker shares the generator's core (scaling of one node on this 2-core machine).
 */
const workerCounts = (values.workers ?? '1').split(',').map(Number);
for (const w of workerCounts) if (!Number.isInteger(w) || w < 1 || w > 2) throw new Error(`--workers takes 1 and/or 2 (this bench pins to 2 cores), got '${values.workers}'`);
const GEN_CORE = 0;
const RELAY_CORE = 1;

interface Step {
  n: number;
  relayCpuPercent: number;
  relayCoreBusyPercent: number;
  helperCpuPercent?: number;
  genCpuPercent: number;
  /** CPU of everything else on both cores (other engineers' jobs), percent of one core. */
  foreignCpuPercent: number;
  load1: number;
  txPps: number;
  rxPps: number;
  lossPercent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deadStreams: number;
  healthy: boolean;
}

interface SystemResult {
  /** The system's name, with `@2w` for a ucserver node with 2 workers. */
  system: string;
  unit: string;
  steps: Step[];
  /** Highest N measured with relay CPU < cpuLimit, p99 ≤ limit, loss < lossLimit. */
  maxN: number;
  /** N / relay CPU share at the healthiest step with the most calls: calls one core would carry. */
  callsPerCore: number;
  relayUsPerPacket: number;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
const log = (msg: string): void => console.log(msg);

function selfCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function measure(gen: Generator, sys: { relayPid: number; relayPids?: number[]; helperPids: Array<{ pid: number }> } | undefined, n: number): Promise<{ step: Step; report: WindowReport }> {
  const relayPids = sys ? (sys.relayPids ?? [sys.relayPid]) : [];
  const pids = [gen.pid, ...relayPids, ...(sys ? sys.helperPids.map((h) => h.pid) : [])];
  const meter = new CpuMeter(pids, [GEN_CORE, RELAY_CORE]);
  const self0 = selfCpu();
  meter.start();
  await gen.measure();
  await sleep(windowSeconds * 1000);
  const cpu = meter.stop();
  const self = ((selfCpu() - self0) / cpu.seconds) * 100;
  const report = await gen.report();
  const [genCpu, ...rest] = cpu.procs;
  const relayCpus = rest.slice(0, relayPids.length);
  const helpers = rest.slice(relayPids.length);
  const relayCpu = round(relayCpus.reduce((a, b) => a + b, 0));
  const ours = cpu.procs.reduce((a, b) => a + b, 0) + self;
  const foreign = Math.max(0, cpu.cores[0]! + cpu.cores[1]! - ours);
  const step: Step = {
    n,
    relayCpuPercent: relayCpu,
    relayCoreBusyPercent: cpu.cores[1]!,
    ...(helpers.length ? { helperCpuPercent: round(helpers.reduce((a, b) => a + b, 0)) } : {}),
    genCpuPercent: genCpu!,
    foreignCpuPercent: round(foreign),
    load1: load1(),
    txPps: Math.round(report.txPps),
    rxPps: Math.round(report.rxPps),
    lossPercent: round(report.lossPercent, 3),
    p50Ms: round(report.p50Ms, 3),
    p99Ms: round(report.p99Ms, 3),
    maxMs: round(report.maxMs, 1),
    deadStreams: report.deadStreams,
    healthy: Math.max(0, ...relayCpus) < cpuLimit && report.p99Ms <= p99LimitMs && report.lossPercent < lossLimit && report.received > 0,
  };
  return { step, report };
}

function describe(s: Step): string {
  return `N=${String(s.n).padStart(5)}  relay CPU ${s.relayCpuPercent.toFixed(1).padStart(5)} % (core ${s.relayCoreBusyPercent.toFixed(0).padStart(3)} %)`
    + `${s.helperCpuPercent !== undefined ? `  node ${s.helperCpuPercent.toFixed(1).padStart(4)} %` : ''}  gen ${s.genCpuPercent.toFixed(0).padStart(3)} %`
    + `  ${(s.rxPps / 1000).toFixed(1).padStart(6)} kpps out (${s.rxPps > 0 ? ((s.relayCpuPercent / 100) * 1e6 / s.rxPps).toFixed(1) : '-'} µs/packet)  loss ${s.lossPercent.toFixed(3)} %  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  max ${s.maxMs.toFixed(1)} ms`
    + `  [load ${s.load1}, foreign CPU ${s.foreignCpuPercent.toFixed(0)} %]${s.deadStreams ? `  ${s.deadStreams} dead streams` : ''}  ${s.healthy ? 'ok' : 'OVER'}`;
}

async function startSystem(name: SystemName, gen: Generator, maxCalls: number, workers: number): Promise<RelaySystem> {
  switch (name) {
    case 'rtpengine':
      return startRtpengine(gen, maxCalls, RELAY_CORE, 'plain');
    case 'rtpengine-webrtc':
      return startRtpengine(gen, maxCalls, RELAY_CORE, 'webrtc');
    case 'rtpengine-webrtc2':
      return startRtpengine(gen, maxCalls, RELAY_CORE, 'webrtc2');
    case 'mediasoup-plain':
      return startRawMediasoup(gen, 'plain', RELAY_CORE);
    case 'mediasoup-webrtc':
      return startRawMediasoup(gen, 'webrtc', RELAY_CORE);
    case 'mediasoup-webrtc2':
      return startRawMediasoup(gen, 'webrtc2', RELAY_CORE);
    case 'mediasoup-webrtc2-video':
      return startRawMediasoup(gen, 'webrtc2-video', RELAY_CORE);
    case 'ucserver-direct-video':
      return startUcserver(gen, 'direct', { natsUrl, maxCalls, relayCore: RELAY_CORE, helperCore: GEN_CORE, workers, env: mediaEnv, video: true });
    case 'ucserver-pbx':
      return startUcserver(gen, 'pbx', { natsUrl, maxCalls, relayCore: RELAY_CORE, helperCore: GEN_CORE, workers, env: mediaEnv });
    case 'ucserver-direct':
      return startUcserver(gen, 'direct', { natsUrl, maxCalls, relayCore: RELAY_CORE, helperCore: GEN_CORE, workers, env: mediaEnv });
    case 'ucserver-pbx-capture':
      // Capture on for 10 % of the calls (issue 13): compared with ucserver-pbx below.
      return startUcserver(gen, 'pbx', { natsUrl, maxCalls, relayCore: RELAY_CORE, helperCore: GEN_CORE, workers, env: mediaEnv, captureEvery: 10 });
  }
}

/** A step whose window shared the cores with much foreign work is measured again (up to twice). */
async function measureStep(gen: Generator, sys: RelaySystem, n: number): Promise<Step> {
  let step: Step | undefined;
  for (let attempt = 0; attempt < (quick ? 1 : 3); attempt++) {
    if (attempt > 0) {
      log(`    (foreign CPU ${step!.foreignCpuPercent} % during the window: measuring again)`);
      await waitForQuiet(maxLoad + 1, 30_000, log);
    }
    step = (await measure(gen, sys, n)).step;
    if (step.foreignCpuPercent < 15) break;
  }
  return step!;
}

async function sweep(name: SystemName, workers = 1): Promise<SystemResult> {
  const label = workers > 1 ? `${name}@${workers}w` : name;
  const systemSizes = isVideo(name) ? videoSizes : sizes;
  const maxCalls = systemSizes.at(-1)!;
  const gen = await Generator.start({ core: GEN_CORE, srtp });
  let sys: RelaySystem | undefined;
  const steps: Step[] = [];
  try {
    sys = await startSystem(name, gen, maxCalls, workers);
    log(`\n${label}: ${sys.unit}${workers > 1 ? ` (${workers} mediasoup workers, the second on the generator's core)` : ''}`);
    let current = 0;
    const setTo = async (n: number): Promise<void> => {
      const t0 = performance.now();
      if (n > current) await sys!.addCalls(current, n);
      else if (n < current) await sys!.removeCalls(n, current);
      if (n > current) log(`    set up ${n - current} calls in ${round((performance.now() - t0) / 1000)} s`);
      current = n;
      await sleep(warmupSeconds * 1000);
    };
    let lastGood = 0;
    let firstBad: number | undefined;
    for (const n of systemSizes) {
      await setTo(n);
      const step = await measureStep(gen, sys, n);
      steps.push(step);
      log(`  ${describe(step)}`);
      if (step.healthy) lastGood = n;
      else {
        firstBad ??= n;
        if (!allSizes) break;
      }
    }
    // Narrow the gap between the last healthy and the first saturated size (two halvings).
    if (refine && firstBad !== undefined) {
      let lo = lastGood;
      let hi = firstBad;
      for (let k = 0; k < 2 && hi - lo > 100; k++) {
        const mid = Math.round((lo + hi) / 2 / 50) * 50;
        await setTo(mid);
        const step = await measureStep(gen, sys, mid);
        steps.push(step);
        log(`  ${describe(step)}  (refining)`);
        if (step.healthy) lo = mid;
        else hi = mid;
      }
    }
    return summarize(label, sys.unit, steps);
  } catch (err) {
    log(`  ${label} failed: ${(err as Error).stack ?? String(err)}`);
    return { ...summarize(label, sys?.unit ?? '', steps), error: (err as Error).message };
  } finally {
    await sys?.close().catch(() => undefined);
    await gen.close();
  }
}

function summarize(system: string, unit: string, steps: Step[]): SystemResult {
  const good = steps.filter((s) => s.healthy);
  const maxN = good.reduce((m, s) => Math.max(m, s.n), 0);
  // Calls per core from the healthy step with the most calls (the relay's cost per call is then least
  // diluted by fixed costs): N / CPU share.
  const best = good.filter((s) => s.n === maxN).at(-1);
  const callsPerCore = best && best.relayCpuPercent > 0 ? Math.round(best.n / (best.relayCpuPercent / 100)) : 0;
  const relayUsPerPacket = best && best.rxPps > 0 ? round((best.relayCpuPercent / 100) * 1e6 / best.rxPps, 2) : 0;
  return { system, unit, steps: [...steps].sort((a, b) => a.n - b.n), maxN, callsPerCore, relayUsPerPacket };
}

/** The generator alone: `genStreams` streams between its own endpoints (no relay), to show what it can push. */
async function generatorCheck(): Promise<{ streams: number; txPps: number; rxPps: number; genCpuPercent: number; lossPercent: number; p99Ms: number }> {
  const gen = await Generator.start({ core: GEN_CORE, srtp });
  try {
    for (let i = 0; i < genStreams; i++) await gen.stream(i, 2 * i, { ip: endpointIp(2 * i + 1), port: gen.port }, 1000 + i, 0, 2 * i + 1);
    await sleep(1000);
    const { report } = await measure(gen, undefined, genStreams);
    return { streams: genStreams, txPps: Math.round(report.txPps), rxPps: Math.round(report.rxPps), genCpuPercent: round(report.genCpuPercent), lossPercent: round(report.lossPercent, 3), p99Ms: round(report.p99Ms, 3) };
  } finally {
    await gen.close();
  }
}

// Interrupted: exit through 'exit', so ManagedProcess kills the daemons it started (media node, rtpengine).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const started = Date.now();
pin(process.pid, GEN_CORE);
log(`bench/media-relay (${quick ? 'quick' : 'full'}): ${cpus().length} cores, generator + helpers on core ${GEN_CORE}, relay on core ${RELAY_CORE}; `
  + `${windowSeconds} s windows after ${warmupSeconds} s warm-up; SRTP ${srtp}; healthy = relay CPU < ${cpuLimit} %, p99 ≤ ${p99LimitMs} ms, loss < ${lossLimit} %`);
const loadAtStart = await waitForQuiet(maxLoad, quick ? 20_000 : 300_000, log);
log(`load average at start: ${loadAtStart}${loadAtStart > maxLoad ? ` (still above ${maxLoad}: numbers may be disturbed)` : ''}`);
const gc = await generatorCheck();
log(`generator alone (${gc.streams} streams to itself): ${(gc.txPps / 1000).toFixed(0)} kpps sent + ${(gc.rxPps / 1000).toFixed(0)} kpps received at ${gc.genCpuPercent} % of one core, loss ${gc.lossPercent} %, p99 ${gc.p99Ms} ms`);

const results: SystemResult[] = [];
for (const name of systems) {
  for (const workers of name.startsWith('ucserver-') ? workerCounts : [1]) {
    await waitForQuiet(maxLoad, quick ? 10_000 : 120_000, log);
    results.push(await sweep(name, workers));
  }
}

const byName = new Map<string, SystemResult>(results.map((r) => [r.system, r]));
const ratio = (a: number | undefined, b: number | undefined): number | null => (a && b ? round(a / b, 2) : null);
const ratios: Record<string, { maxN: number | null; callsPerCore: number | null }> = {};
// Each path against the baselines of its own topology first (the issue's goals), then against the others.
const baselinesOf = {
  'ucserver-pbx': ['rtpengine-webrtc', 'mediasoup-webrtc', 'rtpengine', 'mediasoup-plain'],
  'ucserver-direct': ['rtpengine-webrtc2', 'mediasoup-webrtc2', 'rtpengine', 'mediasoup-plain'],
} as const;
for (const path of ['ucserver-pbx', 'ucserver-direct'] as const) {
  const u = byName.get(path);
  if (!u) continue;
  for (const base of baselinesOf[path]) {
    const b = byName.get(base);
    if (!b) continue;
    ratios[`${path}/${base}`] = { maxN: ratio(u.maxN, b.maxN), callsPerCore: ratio(u.callsPerCore, b.callsPerCore) };
  }
}

log('\nsummary (N = relayed calls: 2 streams × 50 packets/s in and out of the relay; ucserver-direct: 1 N = 2 ucserver calls; *-video: + 2 × 100 video packets/s of 1,200 bytes):');
log(`  ${'system'.padEnd(24)} ${'max N'.padStart(6)} ${'calls/core'.padStart(11)} ${'µs/packet'.padStart(10)}`);
for (const r of results) log(`  ${r.system.padEnd(24)} ${String(r.maxN).padStart(6)} ${String(r.callsPerCore).padStart(11)} ${r.relayUsPerPacket.toFixed(2).padStart(10)}${r.error ? `  (failed: ${r.error})` : ''}`);
const videoU = byName.get('ucserver-direct-video');
const videoM = byName.get('mediasoup-webrtc2-video');
if (videoU && videoM) ratios['ucserver-direct-video/mediasoup-webrtc2-video'] = { maxN: ratio(videoU.maxN, videoM.maxN), callsPerCore: ratio(videoU.callsPerCore, videoM.callsPerCore) };
// Scaling: the same ucserver system with 2 workers against 1.
for (const r of results) {
  const single = r.system.endsWith('@2w') ? byName.get(r.system.slice(0, -3)) : undefined;
  if (single) ratios[`${r.system}/${single.system}`] = { maxN: ratio(r.maxN, single.maxN), callsPerCore: ratio(r.callsPerCore, single.callsPerCore) };
}
const withCapture = byName.get('ucserver-pbx-capture');
const withoutCapture = byName.get('ucserver-pbx');
if (withCapture && withoutCapture) {
  ratios['ucserver-pbx-capture/ucserver-pbx'] = { maxN: ratio(withCapture.maxN, withoutCapture.maxN), callsPerCore: ratio(withCapture.callsPerCore, withoutCapture.callsPerCore) };
}
for (const [k, v] of Object.entries(ratios)) log(`  ${k.padEnd(46)} max N ×${v.maxN ?? '-'}  calls/core ×${v.callsPerCore ?? '-'}`);
const loadAtEnd = load1();
log(`load average at end: ${loadAtEnd}; ${Math.round((Date.now() - started) / 1000)} s`);
console.log(JSON.stringify({
  bench: 'media-relay',
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  load: { start: loadAtStart, end: loadAtEnd },
  criteria: { relayCpuBelowPercent: cpuLimit, p99Ms: p99LimitMs, lossBelowPercent: lossLimit },
  srtp,
  generator: gc,
  results: results.map((r) => ({ system: r.system, maxN: r.maxN, callsPerCore: r.callsPerCore, relayUsPerPacket: r.relayUsPerPacket, ...(r.error ? { error: r.error } : {}), steps: r.steps })),
  ratios,
}));
process.exit(0);
