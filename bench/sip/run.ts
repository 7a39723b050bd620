// bench/sip: the pbx-adapter (its own process) against the test PBX.
//  1. Registrations: N lines (1k/5k/10k, numbers from 1000, Kamailio's rule lines with password "pw"+line)
//     registered with digest auth: time until all are registered, then the refresh steady state
//     (SIP_REGISTER_EXPIRES_S=30, so every line refreshes within a 30 s window) and the adapter's CPU in it.
//  2. Call rate: SIPp (as the PBX) calls a line of the adapter at rising CPS (INVITE, 200, ACK, 1 s, BYE);
//     the gateway is played on the bus (accept, alert, answer). The highest rate without a failed call
//     is reported. Media: `--media stub` (default) answers the media commands on the bus with a fixed
//     SDP, so the numbers are the adapter's own; `--media real` starts services/media (1 worker).
// Prints the numbers, then one JSON summary line.
//   npm run bench:sip [-- --quick] [-- --sizes 1000,5000] [-- --rates 20,50,100] [-- --media real]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BusClient,
  CtiCommands,
  LineCommands,
  LineTopics,
  MediaCommands,
  MediaTopics,
  PbxCommands,
  type Command,
  parseSealingKey,
  sealLineConfig,
  type LineConfig,
  type Unsubscribe,
} from '@ucserver/shared';
import { check, freePort, freePortRange, Kamailio, ManagedProcess, NatsServer, parseStats, testLineCredentialsKey, testLogger, uniquePrefix, type ProcessExit } from '@ucserver/testkit';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, sizes: { type: 'string' }, rates: { type: 'string' }, media: { type: 'string' }, step: { type: 'string' } },
});
const quick = values.quick ?? false;
const sizes = (values.sizes ?? (quick ? '1000' : '1000,5000,10000')).split(',').map(Number);
const rates = (values.rates ?? (quick ? '25,50,100' : '20,50,100,150,200,300,400,600')).split(',').map(Number);
const stepSeconds = Number(values.step ?? (quick ? 2 : 8));
const mediaMode = values.media === 'real' ? 'real' : 'stub';
const REFRESH_EXPIRES_S = 30;
const refreshWindowS = quick ? 27 : 30;

/** The gateway run the bench plays: it owns every call it accepts. */
const benchGateway = { instanceId: 'bench-gateway', startedAt: Date.now() };
const STUB_SDP = ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const line = (n: number, registrar: string): LineConfig => ({
  lineId: `l${n}`,
  number: String(n),
  displayName: '',
  sipUri: `sip:${n}@127.0.0.1`,
  registrar,
  transport: 'udp',
  authUser: String(n),
  authPassword: `pw${n}`,
  ownerUserId: null,
  enabled: true,
});

interface Adapter {
  proc: ManagedProcess;
  sipPort: number;
  httpPort: number;
  stop(graceful?: boolean): Promise<void>;
}

async function startAdapter(natsUrl: string, prefix: string, env: Record<string, string>): Promise<Adapter> {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-bench-sip-'));
  const sipPort = await freePort({ tcp: true });
  const httpPort = await freePort({ udp: false, tcp: true });
  const nodeArgs = (process.env.BENCH_ADAPTER_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const proc = ManagedProcess.spawn('pbx-adapter', process.execPath, ['--conditions=ucs-source', '--no-warnings', ...nodeArgs, join(root, 'services/pbx-adapter/src/index.ts')], {
    cwd: dir,
    logFile: join(dir, 'pbx-adapter.log'),
    env: {
      ...process.env,
      NATS_URL: natsUrl,
      BUS_PREFIX: prefix,
      HTTP_PORT: String(httpPort),
      SIP_HOST: '127.0.0.1',
      SIP_PORT: String(sipPort),
      SIP_TRANSPORTS: 'udp',
      SIP_OPTIONS_INTERVAL_S: '0',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '20000',
      LINE_CREDENTIALS_KEY: testLineCredentialsKey,
      ...env,
    },
  });
  await check(async () => {
    proc.assertRunning();
    return (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.ok;
  }, 20_000, { name: 'the pbx-adapter ready', intervalMs: 100 });
  return {
    proc,
    sipPort,
    httpPort,
    async stop(graceful = true) {
      // --quick skips the un-registration of every line at the end (the next run's REGISTERs replace them).
      await proc.stop(graceful ? { signal: 'SIGTERM', graceMs: 25_000 } : { signal: 'SIGKILL' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One read of the adapter's /metrics: sums of a series (`name` may include the start of the labels) and by one label. */
interface Scrape {
  sum(name: string): number;
  byLabel(name: string, label: string): Record<string, number>;
}

async function scrape(httpPort: number): Promise<Scrape> {
  const lines = (await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()).split('\n');
  const samples = (name: string): string[] => lines.filter((l) => l.startsWith(`ucserver_pbx_adapter_${name}`));
  const value = (l: string): number => Number(l.split(' ').at(-1));
  return {
    sum: (name) => samples(name).reduce((sum, l) => sum + value(l), 0),
    byLabel(name, label) {
      const out: Record<string, number> = {};
      for (const l of samples(`${name}{`)) {
        const key = new RegExp(`${label}="([^"]*)"`).exec(l)?.[1] ?? '';
        if (value(l) > 0) out[key] = (out[key] ?? 0) + value(l);
      }
      return out;
    },
  };
}

async function metric(httpPort: number, name: string): Promise<number> {
  return (await scrape(httpPort)).sum(name);
}

/** The gateway on the bus: the lines, and the incoming-call policy (accept, alert, answer). */
interface BenchGateway {
  bus: BusClient;
  lines: LineConfig[];
  registered: Set<string>;
  /** performance.now() of the first lines.list answered (the adapter starts registering then). */
  listedAt: number | undefined;
  close(): Promise<void>;
}

/** The key the adapter gets as LINE_CREDENTIALS_KEY: the bench gateway seals the passwords with it, as the gateway does. */
const credentialsKey = parseSealingKey(testLineCredentialsKey);

async function startGateway(natsUrl: string, prefix: string): Promise<BenchGateway> {
  const bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'bench-gateway', logger: testLogger('bench'), requestTimeoutMs: 10_000 });
  const state = { lines: [] as LineConfig[], registered: new Set<string>(), listedAt: undefined as number | undefined };
  const subs: Unsubscribe[] = [
    bus.lines.serve(LineCommands.list, ({ offset, limit }) => {
      state.listedAt ??= performance.now();
      const page = state.lines.slice(offset, offset + limit);
      return { lines: page.map((l) => sealLineConfig(credentialsKey, l)), total: state.lines.length, nextOffset: offset + page.length < state.lines.length ? offset + page.length : null };
    }),
    bus.subscribe(LineTopics.registration, (r) => {
      if (r.status === 'registered') state.registered.add(r.lineId);
    }),
    bus.cti.serve(CtiCommands.incomingCall, (req) => {
      setImmediate(() => {
        void bus.pbx
          .request(PbxCommands.alert, { callId: req.callId })
          .then(() => bus.pbx.request(PbxCommands.answer, { callId: req.callId }))
          .catch(() => undefined);
      });
      return { accept: true as const, gateway: benchGateway };
    }),
  ];
  return {
    bus,
    get lines() {
      return state.lines;
    },
    set lines(v: LineConfig[]) {
      state.lines = v;
    },
    registered: state.registered,
    get listedAt() {
      return state.listedAt;
    },
    async close() {
      for (const sub of subs) sub.unsubscribe();
      await bus.close();
    },
  };
}

/** `--media stub`: a media node that answers every command at once (heartbeat for placement included). */
function stubMedia(bus: BusClient, nodeId: string): () => void {
  const subs: Unsubscribe[] = [
    bus.media(nodeId).serve(MediaCommands.pbxOffer, (r) => ({ legId: `leg-${r.callId}`, sdp: STUB_SDP, codec: 'PCMU' as const, mediaPath: 'pbx' as const })),
    bus.media(nodeId).serve(MediaCommands.close, () => ({ quality: null })),
  ];
  const beat = (): void =>
    bus.publish(MediaTopics.heartbeat, {
      nodeId, addresses: ['127.0.0.1'], workers: 1, workersAlive: 1, calls: 0, legs: 0, load: 0, draining: false, startedAt: 1, at: Date.now(), intervalMs: 500,
    });
  beat();
  const timer = setInterval(beat, 500);
  return () => {
    clearInterval(timer);
    for (const sub of subs) sub.unsubscribe();
  };
}

async function startRealMedia(natsUrl: string, prefix: string, nodeId: string): Promise<() => Promise<void>> {
  const ports = await freePortRange(1000, 30000, 50000);
  const dir = mkdtempSync(join(tmpdir(), 'ucs-bench-media-'));
  const proc = ManagedProcess.spawn('media', process.execPath, ['--conditions=ucs-source', '--no-warnings', join(root, 'services/media/src/index.ts')], {
    cwd: dir,
    logFile: join(dir, 'media.log'),
    env: {
      ...process.env, NATS_URL: natsUrl, BUS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'warn', MEDIA_NODE_ID: nodeId, MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_WEBRTC_PORT: '0', MEDIA_RTC_MIN_PORT: String(ports.min), MEDIA_RTC_MAX_PORT: String(ports.max), MEDIA_DRAIN_TIMEOUT_MS: '0',
    },
  });
  return async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

interface RegistrationResult {
  lines: number;
  allRegisteredS: number;
  /** REGISTERs sent again by Timer E (requests lost or answered late) while registering. */
  /** REGISTERs on the wire beyond one per attempt: UDP retransmissions (Timer E). */
  retransmittedRegisters: number;
  /** Registration attempts that failed (any reason; the line retries with backoff), by reason. */
  failedAttempts: Record<string, number>;
  registrationsPerS: number;
  refreshWindowS: number;
  refreshRegisters: number;
  refreshCpuPercent: number;
  refreshCpuPerRegisterMs: number;
}

/** `alongside` runs during the refresh window (--quick uses it for the call-rate phase to stay under a minute). */
async function benchRegistrations(nats: NatsServer, pbx: Kamailio, size: number, alongside?: () => Promise<void>): Promise<RegistrationResult> {
  const prefix = uniquePrefix();
  const gateway = await startGateway(nats.url, prefix);
  gateway.lines = Array.from({ length: size }, (_, i) => line(1000 + i, pbx.address));
  const adapter = await startAdapter(nats.url, prefix, { SIP_REGISTER_EXPIRES_S: String(REFRESH_EXPIRES_S) });
  try {
    await check(() => gateway.registered.size >= size, 180_000, { name: `${size} lines registered (have ${gateway.registered.size})`, intervalMs: 20 });
    const allRegisteredS = (performance.now() - gateway.listedAt!) / 1000;
    const registered = await scrape(adapter.httpPort);
    const attempts0 = registered.sum('register_attempts_total');
    const failedAttempts = registered.byLabel('register_failures_total', 'reason');
    // A REGISTER whose UDP send failed counts as an attempt but never reached the wire.
    const retransmitted = Math.max(0, registered.sum('sip_requests_total{direction="out",method="REGISTER"') - attempts0);
    // Steady state: every binding (30 s) is refreshed once at 80-90 % of its lifetime inside this window.
    const cpu0 = cpuSeconds(adapter.proc.pid!);
    const windowStart = performance.now();
    await Promise.all([new Promise((r) => setTimeout(r, refreshWindowS * 1000)), alongside?.()]);
    const windowS = (performance.now() - windowStart) / 1000;
    const cpu = cpuSeconds(adapter.proc.pid!) - cpu0;
    const refreshed = await scrape(adapter.httpPort);
    const refreshRegisters = refreshed.sum('register_attempts_total') - attempts0;
    const failed = refreshed.sum('registrations{status="failed"');
    if (failed > 0) console.log(`  warning: ${failed} lines failed during the refresh window`);
    return {
      lines: size,
      allRegisteredS: round(allRegisteredS, 2),
      retransmittedRegisters: retransmitted,
      failedAttempts,
      registrationsPerS: Math.round(size / allRegisteredS),
      refreshWindowS: round(windowS, 1),
      refreshRegisters,
      refreshCpuPercent: round((100 * cpu) / windowS, 1),
      refreshCpuPerRegisterMs: round((1000 * cpu) / Math.max(1, refreshRegisters), 3),
    };
  } finally {
    await adapter.stop(!quick);
    await gateway.close();
  }
}

interface CpsStep {
  cps: number;
  calls: number;
  successful: number;
  failed: number;
  achievedCps: number;
  adapterCpuPercent: number;
}

async function benchCallRate(nats: NatsServer): Promise<{ highestZeroFailureCps: number; steps: CpsStep[] }> {
  const prefix = uniquePrefix();
  const gateway = await startGateway(nats.url, prefix);
  const nodeId = `bench-media-${prefix}`;
  // The called line needs no registration for SIPp to reach it directly; its registrar is a dead port.
  gateway.lines = [line(5000, '127.0.0.1:9')];
  const stopMedia = mediaMode === 'real' ? await startRealMedia(nats.url, prefix, nodeId) : stubMedia(gateway.bus, nodeId);
  const adapter = await startAdapter(nats.url, prefix, { SIP_REGISTER_EXPIRES_S: '3600' });
  const steps: CpsStep[] = [];
  let highest = 0;
  const dir = mkdtempSync(join(tmpdir(), 'ucs-bench-sipp-'));
  try {
    await check(async () => (await fetch(`http://127.0.0.1:${adapter.httpPort}/readyz`)).ok, 10_000, { name: 'adapter ready' });
    const runSipp = async (name: string, cps: number, calls: number): Promise<{ exit: ProcessExit; stats: string; errors: string }> => {
      const stats = join(dir, `stats-${name}.csv`);
      const errors = join(dir, `errors-${name}.log`);
      const mediaPort = await freePort({ count: 2, even: true });
      const sipp = ManagedProcess.spawn(`sipp ${name}`, 'sipp', [
        `127.0.0.1:${adapter.sipPort}`, '-sf', join(root, 'bench/sip/uac-call.xml'), '-s', '5000', '-set', 'from', '200', '-set', 'holdms', '1000',
        '-i', '127.0.0.1', '-mi', '127.0.0.1', '-mp', String(mediaPort), '-p', String(await freePort()), '-r', String(cps), '-m', String(calls),
        '-l', String(cps * 4), '-nostdin', '-timeout', `${stepSeconds + 30}s`, '-timeout_error', '-trace_stat', '-stf', stats, '-fd', '1',
        '-trace_err', '-error_file', errors,
      ], { cwd: dir, logFile: join(dir, `sipp-${name}.log`) });
      return { exit: await sipp.exited, stats, errors };
    };
    // Warm-up: one call must succeed first (the adapter has heard the media node's heartbeat, JIT is warm).
    await check(async () => (await runSipp(`warmup-${Date.now()}`, 1, 1)).exit.code === 0, 20_000, { name: 'a warm-up call through the adapter', intervalMs: 200 });
    for (const cps of rates) {
      const calls = cps * stepSeconds;
      const cpu0 = cpuSeconds(adapter.proc.pid!);
      const t0 = performance.now();
      const { exit, stats, errors } = await runSipp(String(cps), cps, calls);
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(adapter.proc.pid!) - cpu0;
      const s = parseStats(readFileSync(stats, 'utf8'));
      const step: CpsStep = {
        cps,
        calls,
        successful: s?.successful ?? 0,
        failed: (s?.failed ?? 0) + (exit.code === 0 ? 0 : Math.max(0, calls - (s?.successful ?? 0) - (s?.failed ?? 0))),
        achievedCps: round(calls / Math.max(0.001, elapsed - 1), 1),
        adapterCpuPercent: round((100 * cpu) / elapsed, 1),
      };
      steps.push(step);
      console.log(`  ${String(cps).padStart(4)} cps: ${step.successful}/${calls} calls ok, ${step.failed} failed, adapter CPU ${step.adapterCpuPercent} %`);
      if (step.failed > 0 || step.successful < calls) {
        const first = existsSync(errors) ? readFileSync(errors, 'utf8').split('\n').find((l) => /Aborting|timeout|unexpected/i.test(l)) : undefined;
        if (first) console.log(`        first failure: ${first.slice(0, 200)}`);
        break;
      }
      try {
        await check(async () => (await metric(adapter.httpPort, 'calls_active')) === 0, 20_000, { name: 'all calls of the step ended' });
      } catch {
        // SIPp saw every call complete, but the adapter still holds some: that is a failure too.
        step.failed = await metric(adapter.httpPort, 'calls_active');
        console.log(`        ${step.failed} calls still active in the adapter 20 s after the step`);
        break;
      }
      highest = cps;
    }
  } finally {
    await adapter.stop();
    await stopMedia();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { highestZeroFailureCps: highest, steps };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const started = Date.now();
const nats = await NatsServer.start();
const pbx = await Kamailio.start({ mode: 'direct-media' });
const registrations: RegistrationResult[] = [];
let callRate: Awaited<ReturnType<typeof benchCallRate>> | undefined = undefined as Awaited<ReturnType<typeof benchCallRate>> | undefined;
try {
  console.log(`bench/sip (${quick ? 'quick' : 'full'}): Kamailio ${pbx.address}, media ${mediaMode}`);
  console.log('registrations (digest auth; refresh window with SIP_REGISTER_EXPIRES_S=30):');
  const callRatePhase = async (): Promise<void> => {
    console.log(`call rate (SIPp as the PBX → adapter → gateway on the bus; ${stepSeconds} s per step, 1 s calls):`);
    callRate = await benchCallRate(nats);
    console.log(`  highest rate without failures: ${callRate.highestZeroFailureCps} cps`);
  };
  for (const [i, size] of sizes.entries()) {
    const alongside = quick && i === sizes.length - 1 ? callRatePhase : undefined;
    const r = await benchRegistrations(nats, pbx, size, alongside);
    registrations.push(r);
    console.log(`  ${String(size).padStart(5)} lines: all registered in ${r.allRegisteredS} s (${r.registrationsPerS}/s, ${r.retransmittedRegisters} retransmissions, failed attempts retried: ${Object.entries(r.failedAttempts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}); refresh: ${r.refreshRegisters} REGISTERs in ${r.refreshWindowS} s at ${r.refreshCpuPercent} % CPU (${r.refreshCpuPerRegisterMs} ms CPU each)${alongside ? ' [call-rate phase ran meanwhile in another adapter process]' : ''}`);
  }
  if (!callRate) await callRatePhase();
} finally {
  await pbx.dispose();
  await nats.dispose();
}
console.log(JSON.stringify({ bench: 'sip', mode: quick ? 'quick' : 'full', media: mediaMode, seconds: Math.round((Date.now() - started) / 1000), registrations, callRate }));
process.exit(0);
