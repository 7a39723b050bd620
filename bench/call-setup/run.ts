// bench/call-setup: how long a softphone waits for its call to connect. ENetUC clients (TCP 7222, logged in as
// softphones) place calls through Kamailio to other ENetUC softphones that answer at once, at rising call
// rates (10, 25, 50, 100 calls/s, each call held 5 s). Per call: asnAVMakeCallV2 sent → the caller's
// asnAVConnectV2, minus the callee's own answer time (its asnAVNewCallV2 → its asnAVConnectV2, reported
// apart); p50/p99/max, failed calls, and the CPU of every process. Baseline in the same run: SIPp UAC →
// the same Kamailio → SIPp UAS at the same rates (first INVITE → 200 OK), the floor the PBX itself sets.
// Runs inside its own network namespace (only lo), like the e2e suite. See README.md.
//   npm run bench:call-setup [-- --quick] [-- --rates 10,25,50,100] [-- --seconds 10] [-- --hold 5] [-- --mode direct-media]
//                            [-- --pairs <n>]   (at least n caller/callee pairs logged in: the gateway's cost with many clients at a low rate)
//                            [-- --cpu-prof <dir>]   (every service writes a V8 CPU profile into <dir> when it stops)
//                            [-- --db pglite|postgres]  (the gateway's database: embedded PGlite, the default, or a private PostgreSQL)
//   E2E_SQL_LOG=1 ... --db postgres: PostgreSQL logs every statement; each rate window's are listed per call by text (sqlLog.ts)
//   BENCH_NODE_OPTIONS='--perf-basic-prof-only-functions' ...: extra node options for every service (perf record -g -p <pid> then names JS frames)
//   BENCH_CALL_TIMES=<file> ...: every connected call as CSV `rate,start ms into the window,setup ms,to callee ms` (do the slow ones cluster?)
//   BENCH_MEDIA_STATS_MS=<ms> ...: the media node's stats interval (default 5000, the production one), to take its rounds out of a run
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { enterNetworkNamespace } from '../../test/e2e/support/netns.ts';
import { runSippBaseline } from './sippBaseline.ts';
import { runUcserver } from './ucserverRun.ts';
import { summarize, type RateRow } from './stats.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, rates: { type: 'string' }, seconds: { type: 'string' }, hold: { type: 'string' }, mode: { type: 'string' }, 'cpu-prof': { type: 'string' }, db: { type: 'string' }, pairs: { type: 'string' } } });
const quick = values.quick ?? false;
// --quick: two low rates, short calls, so that seeding the users (a password hash each) and the run stay under a minute.
const rates = (values.rates ?? (quick ? '5,10' : '10,25,50,100')).split(',').map(Number);
const seconds = Number(values.seconds ?? (quick ? 3 : 10));
const holdMs = Number(values.hold ?? (quick ? 1 : 5)) * 1000;
const mode = values.mode === 'direct-media' ? 'direct-media' : 'media-via-pbx';
const db = values.db === 'postgres' ? 'postgres' : 'pglite';
if (values.db !== undefined && values.db !== db) throw new Error(`--db wants pglite or postgres, got '${values.db}'`);
const minPairs = Number(values.pairs ?? 0);
if (!(minPairs >= 0)) throw new Error(`--pairs wants a number, got '${values.pairs}'`);
if (rates.some((r) => !(r > 0))) throw new Error(`--rates wants positive numbers, got '${values.rates}'`);

await enterNetworkNamespace();
process.env.E2E_LOG_LEVEL ??= 'warn';
const started = Date.now();
const log = (msg: string): void => console.log(msg);
log(`bench/call-setup (${quick ? 'quick' : 'full'}): ${cpus().length} cores; rates ${rates.join(', ')} calls/s for ${seconds} s each, calls held ${holdMs / 1000} s; Kamailio ${mode}; gateway database ${db}`);

const { rows: ours, kamailioRuns } = await runUcserver({ rates, seconds, holdMs, mode, db, minPairs, log, cpuProfileDir: values['cpu-prof'], baseline: (kamailio) => runSippBaseline(kamailio, rates, seconds, holdMs) });
const floor = kamailioRuns;

log('\nsummary (ms; setup = asnAVMakeCallV2 → caller connected, without the callee\'s answer time; SIPp: INVITE → 200):');
log(`  ${'rate'.padStart(5)}  ${'ucserver p50'.padStart(12)} ${'p99'.padStart(7)} ${'max'.padStart(7)} ${'failed'.padStart(7)}   ${'SIPp p50'.padStart(9)} ${'p99'.padStart(7)} ${'max'.padStart(7)} ${'failed'.padStart(7)}   ratio p50 / p99`);
const table: Array<{ rate: number; ucserver: RateRow; sipp: ReturnType<typeof summarize> | null; ratio: { p50: number | null; p99: number | null } }> = [];
for (const row of ours) {
  const s = floor.find((f) => f.rate === row.rate);
  const sipp = s ? summarize(s.setupMs, s.calls, s.failed) : null;
  const ratio = { p50: sipp && sipp.p50 > 0 ? Math.round((row.setup.p50 / sipp.p50) * 100) / 100 : null, p99: sipp && sipp.p99 > 0 ? Math.round((row.setup.p99 / sipp.p99) * 100) / 100 : null };
  table.push({ rate: row.rate, ucserver: row, sipp, ratio });
  const f = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(1)).padStart(7);
  log(`  ${String(row.rate).padStart(5)}  ${f(row.setup.p50).padStart(12)} ${f(row.setup.p99)} ${f(row.setup.max)} ${String(row.setup.failed).padStart(7)}   ${f(sipp?.p50).padStart(9)} ${f(sipp?.p99)} ${f(sipp?.max)} ${String(sipp?.failed ?? '-').padStart(7)}   ×${ratio.p50 ?? '-'} / ×${ratio.p99 ?? '-'}`);
}
const at50 = ours.find((r) => r.rate === 50);
const goals = {
  p50Below15msAt50: at50 ? at50.setup.p50 < 15 : null,
  p99Below50msAt50: at50 ? at50.setup.p99 < 50 : null,
  noFailedUpTo100: ours.filter((r) => r.rate <= 100).every((r) => r.setup.failed === 0),
};
log(`goals: p50 < 15 ms at 50/s ${goals.p50Below15msAt50 ?? 'not measured'}, p99 < 50 ms at 50/s ${goals.p99Below50msAt50 ?? 'not measured'}, no failed call up to 100/s ${goals.noFailedUpTo100}`);
log(`${Math.round((Date.now() - started) / 1000)} s`);
console.log(JSON.stringify({ bench: 'call-setup', mode: quick ? 'quick' : 'full', pbx: mode, db, date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), holdMs, windowSeconds: seconds, rates: table, goals }));
process.exit(0);
