// bench/media-relay idle: what our control plane costs per call when no media flows. 1,000 calls via the
// PBX (by default) are set up with the bus commands as in `ucserver-pbx`; the PBX side sends a few packets
// per call so the node learns its SSRC (the SSRC watchdog then watches every PBX leg), then nothing
// flows. Over a window, the CPU of the node's Node.js process and of its mediasoup worker, per call and
// second, with each periodic feature on and off:
//   stats sampling   MEDIA_STATS_INTERVAL_MS (default 5 s; "off" = 300 s, the longest allowed)
//   SSRC watchdog    MEDIA_SSRC_WATCHDOG_MS  (default 200 ms; off = 0)
//   heartbeat        MEDIA_HEARTBEAT_MS      (default 2 s; "off" = 60 s, the longest allowed)
//   npm run bench:media-idle [-- --calls 1000] [-- --seconds 20]
import { parseArgs } from 'node:util';
import { natsUrl } from '@ucserver/testkit';
import { Generator } from './Generator.ts';
import { CpuMeter, load1, pin } from './proc.ts';
import { startUcserver } from './ucserver.ts';

const { values } = parseArgs({ options: { calls: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' } } });
const calls = Number(values.calls ?? 1000);
const windowSeconds = Number(values.seconds ?? 20);
const warmupSeconds = Number(values.warmup ?? 6);
const GEN_CORE = 0;
const RELAY_CORE = 1;
const off = { MEDIA_STATS_INTERVAL_MS: '300000', MEDIA_SSRC_WATCHDOG_MS: '0', MEDIA_HEARTBEAT_MS: '60000' };
const configs: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'all on (defaults)', env: {} },
  { name: 'stats sampling off', env: { MEDIA_STATS_INTERVAL_MS: off.MEDIA_STATS_INTERVAL_MS } },
  { name: 'SSRC watchdog off', env: { MEDIA_SSRC_WATCHDOG_MS: off.MEDIA_SSRC_WATCHDOG_MS } },
  { name: 'heartbeat off', env: { MEDIA_HEARTBEAT_MS: off.MEDIA_HEARTBEAT_MS } },
  { name: 'all off', env: off },
];
const log = (msg: string): void => console.log(msg);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** µs of CPU per call per second, from a process's percent of one core. */
const perCall = (percent: number): number => Math.round(((percent / 100) * 1e6) / calls * 100) / 100;

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
pin(process.pid, GEN_CORE);
log(`bench/media-relay idle: ${calls} idle calls via the PBX, ${windowSeconds} s windows after ${warmupSeconds} s; load ${load1()}`);
const results: Array<{ config: string; env: Record<string, string>; nodeCpuPercent: number; workerCpuPercent: number; nodeUsPerCallSecond: number; workerUsPerCallSecond: number; load1: number }> = [];
for (const config of configs) {
  const gen = await Generator.start({ core: GEN_CORE, srtp: 'SRTP_AEAD_AES_256_GCM' });
  const sys = await startUcserver(gen, 'pbx', { natsUrl, maxCalls: calls, relayCore: RELAY_CORE, helperCore: GEN_CORE, env: config.env, idle: true });
  try {
    const t0 = performance.now();
    await sys.addCalls(0, calls);
    // Long enough for every PBX leg to learn its SSRC; then the PBX side falls silent.
    await sleep(1000);
    for (let i = 0; i < calls; i++) await gen.stop(2 * i + 1);
    log(`  ${config.name}: ${calls} calls set up in ${Math.round(performance.now() - t0) / 1000} s`);
    await sleep(warmupSeconds * 1000);
    const node = sys.helperPids[0]!.pid;
    const meter = new CpuMeter([node, sys.relayPid], [GEN_CORE, RELAY_CORE]);
    meter.start();
    await sleep(windowSeconds * 1000);
    const [nodeCpu = 0, workerCpu = 0] = meter.stop().procs;
    const r = { config: config.name, env: config.env, nodeCpuPercent: nodeCpu, workerCpuPercent: workerCpu, nodeUsPerCallSecond: perCall(nodeCpu), workerUsPerCallSecond: perCall(workerCpu), load1: load1() };
    results.push(r);
    log(`    node ${nodeCpu.toFixed(1)} % (${r.nodeUsPerCallSecond} µs per call-second)  worker ${workerCpu.toFixed(1)} % (${r.workerUsPerCallSecond} µs per call-second)  [load ${r.load1}]`);
  } finally {
    await sys.close().catch(() => undefined);
    await gen.close();
  }
}
log('\nsummary: CPU per idle call and second (µs), node (Node.js) and worker');
for (const r of results) log(`  ${r.config.padEnd(22)} node ${String(r.nodeUsPerCallSecond).padStart(7)}  worker ${String(r.workerUsPerCallSecond).padStart(7)}`);
console.log(JSON.stringify({ bench: 'media-relay-idle', date: new Date().toISOString(), calls, windowSeconds, results }));
process.exit(0);
