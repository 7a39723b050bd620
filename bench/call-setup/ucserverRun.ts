// The ucserver side of bench/call-setup: the whole stack as the e2e suite runs it (nats-server, Kamailio (+
// rtpengine), cti-gateway, one media node, pbx-adapter; E2eStack), pairs of users with their own lines
// (caller 1000+2k, callee 1001+2k, Kamailio's rule lines), every user logged in as an auto-answering
// softphone, then calls at each rate. A pair carries one call at a time, so the two lines are never busy.
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortRange, PostgresServer, Rtpengine, type Kamailio } from '@ucserver/testkit';
import { E2eStack } from '../../test/e2e/support/E2eStack.ts';
import { metricSum, parseMetrics } from '../../test/e2e/support/prometheus.ts';
import { childrenOf, cpuSeconds, writeSyscalls } from '../media-relay/proc.ts';
import { AutoAnswerPhone } from './AutoAnswerPhone.ts';
import { formatTally, logOffset, STATEMENT_LOG_SETTINGS, tallyStatements } from './sqlLog.ts';
import { summarize, type RateRow } from './stats.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SETUP_TIMEOUT_MS = 10_000;
/** How long a call waits for a free caller/callee pair before it counts as failed. */
const PAIR_WAIT_MS = 5_000;

interface Pair {
  caller: AutoAnswerPhone;
  callee: AutoAnswerPhone;
  busy: boolean;
}

/** CPU seconds (or another reading) of a process and everything under it (Kamailio's and the media node's children). */
function treeCpu(pid: number, read: (pid: number) => number = cpuSeconds): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      total += read(p);
      stack.push(...childrenOf(p));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

async function forEachLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export interface UcserverRunOptions {
  rates: number[];
  seconds: number;
  holdMs: number;
  mode: 'media-via-pbx' | 'direct-media';
  /** The gateway's database: PGlite in its process (the embedded default) or a PostgreSQL server (compose's). */
  db: 'pglite' | 'postgres';
  /** Each service writes a V8 CPU profile (.cpuprofile) here when it stops. */
  cpuProfileDir?: string;
  /** Log in at least this many caller/callee pairs (idle ones too: what many clients cost the gateway). */
  minPairs?: number;
  log: (msg: string) => void;
  /** Run against the same Kamailio once ucserver's rates are done (its lines unregistered first). */
  baseline: (kamailio: Kamailio) => Promise<Array<{ rate: number; calls: number; failed: number; setupMs: number[] }>>;
}

export async function runUcserver(o: UcserverRunOptions): Promise<{ rows: RateRow[]; kamailioRuns: Array<{ rate: number; calls: number; failed: number; setupMs: number[] }> }> {
  const maxRate = Math.max(...o.rates);
  // Calls in flight at once: rate × (hold + setup and hang-up slack; a loaded machine's setup takes seconds).
  // A pair is busy from its call's start to 0.5 s after the hang-up: hold + setup + 0.5 s, more when a
  // loaded machine's setup takes seconds (a call that finds none waits for one, see placeOne).
  const pairCount = Math.max(o.minPairs ?? 0, Math.ceil(maxRate * (o.holdMs / 1000 + 4)));
  const t0 = Date.now();
  // The test PBX's own rtpengine is sized for tests (200 ports, ended calls keep theirs 30 s): this one holds
  // every call of the run, ucserver's two legs and the SIPp baseline's, and frees ports at once.
  const totalCalls = o.rates.reduce((a, r) => a + Math.round(r * o.seconds), 0);
  const range = await freePortRange(Math.min(40_000, 8 * totalCalls + 400), 20_000, 60_000);
  // Every pair may hold a call: two PBX legs of RTP + RTCP each, twice over for a leg that re-creates
  // its transport on the answer (rtcp-mux), plus slack. The e2e default (400) holds ~100 calls' legs:
  // too few from 25 calls/s with calls held 5 s (PBX legs refused for want of a port). Taken now, beside
  // rtpengine's: once Kamailio runs, its processes' UDP sockets on random ephemeral ports (32768 up) leave
  // no free block of 7,600 there (the full sweep did not start).
  const mediaRange = await freePortRange(Math.max(400, 8 * pairCount + 400), 20_000, 60_000);
  const rtpengine = o.mode === 'media-via-pbx' ? await Rtpengine.start({ portMin: range.min, portMax: range.max, deleteDelay: 0, logLevel: 4 }) : undefined;
  // PostgreSQL of our own: the bench runs in a network namespace, out of reach of the machine's server.
  // E2E_SQL_LOG=1: it logs every statement, and each window's are listed by text (bench/call-setup/sqlLog.ts).
  const sqlLog = o.db === 'postgres' && process.env.E2E_SQL_LOG === '1';
  const postgres = o.db === 'postgres' ? await PostgresServer.start(sqlLog ? { settings: STATEMENT_LOG_SETTINGS } : {}) : undefined;
  const databaseUrl = await postgres?.createDatabase('ucserver');
  const stack = await E2eStack.start({
    // The bench's clients say nothing between their calls, and logging 1,600 of them in takes minutes: the
    // first would be closed as idle (CTI_IDLE_TIMEOUT_MS, 90 s) before the last logs in ("client closed").
    gatewayEnv: { CTI_IDLE_TIMEOUT_MS: '3600000', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    pbx: rtpengine ? { rtpengine } : {},
    scenario: 'call-setup',
    artifactsDir: join(root, 'bench/.build/call-setup-logs'),
    pbxMode: o.mode,
    mediaRtpRange: mediaRange,
    natsMonitor: true,
    users: [],
    // The media node as deployed (the e2e stack samples stats every 1 s and beats every 500 ms for its
    // timing checks): a held call's sampling is part of what a call costs, at the production interval.
    serviceEnv: { LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn', MEDIA_STATS_INTERVAL_MS: process.env.BENCH_MEDIA_STATS_MS ?? '5000', MEDIA_HEARTBEAT_MS: '2000', ...(process.env.JOURNAL_FLUSH_MS ? { JOURNAL_FLUSH_MS: process.env.JOURNAL_FLUSH_MS } : {}), ...nodeOptions(o.cpuProfileDir) },
  });
  const phones: AutoAnswerPhone[] = [];
  try {
    const lines = Array.from({ length: 2 * pairCount }, (_, i) => String(1000 + i));
    // Seeding and logins hash a password each: few at a time, so that on a loaded machine none waits past
    // its timeout (the admin API's 10 s, a login's 15 s) behind the others.
    await forEachLimited(lines, 4, async (line) => {
      await stack.admin('POST', '/api/v1/users', { login: `u${line}`, password: `bench-secret-${line}`, displayName: `User ${line}` });
      await stack.admin('POST', '/api/v1/lines', { number: line, registrar: stack.kamailio!.address, transport: 'udp', authUser: line, authPassword: `pw${line}`, owner: `u${line}`, displayName: `Line ${line}` });
    });
    await stack.waitRegistered(lines, 120_000);
    o.log(`stack up, ${lines.length} users with registered lines in ${Math.round((Date.now() - t0) / 1000)} s`);
    const byLine = new Map<string, AutoAnswerPhone>();
    await forEachLimited(lines, 4, async (line) => {
      const phone = await AutoAnswerPhone.connect({ host: '127.0.0.1', port: stack.ctiPort, login: `u${line}`, password: `bench-secret-${line}`, line });
      phones.push(phone);
      byLine.set(line, phone);
    });
    const pairs: Pair[] = Array.from({ length: pairCount }, (_, k) => ({ caller: byLine.get(String(1000 + 2 * k))!, callee: byLine.get(String(1001 + 2 * k))!, busy: false }));
    o.log(`${phones.length} softphones logged in (${pairCount} caller/callee pairs)`);

    const pids: Record<string, number | undefined> = {
      'cti-gateway': stack.gateway?.process.pid,
      'media (node + worker)': stack.media[0]?.process.pid,
      'pbx-adapter': stack.pbxAdapter?.process.pid,
      kamailio: stack.kamailio?.process?.pid,
      rtpengine: stack.kamailio?.rtpengine?.process?.pid,
      'nats-server': stack.nats?.pid,
      ...(postgres ? { 'postgres (server + backends)': postgres.pid } : {}),
    };

    const rows: RateRow[] = [];
    for (const rate of o.rates) {
      const setup: number[] = [];
      const toCallee: number[] = [];
      const answer: number[] = [];
      let failed = 0;
      let launched = 0;
      let waitedForPair = 0;
      const errors = new Map<string, number>();
      const fail = (why: string): void => {
        failed += 1;
        errors.set(why, (errors.get(why) ?? 0) + 1);
      };
      // Each scrape also resets the gateway's event-loop delay histogram (prom-client), so the one at the
      // window's end tells how long the gateway's loop was held up during it (a PGlite batch runs in it).
      let gatewayMetrics = '';
      const dbQueries = async (): Promise<number> => {
        gatewayMetrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
        return metricSum(gatewayMetrics, 'ucserver_cti_gateway_db_queries_total');
      };
      const loopDelayMs = (stat: 'p99' | 'max'): number => Math.round(metricSum(gatewayMetrics, `ucserver_cti_gateway_nodejs_eventloop_lag_${stat}_seconds`) * 10_000) / 10;
      // Messages each service publishes (requests, replies, events, JetStream API and acks) per call: the
      // bus round trips a call costs, whatever the load (heartbeats add a few per second).
      const natsSent = async (): Promise<Record<string, number>> => {
        const connz = await (await fetch(`${stack.natsMonitorUrl}/connz?limit=10000`)).json() as { connections?: Array<{ name?: string; in_msgs: number }> };
        const out: Record<string, number> = {};
        for (const c of connz.connections ?? []) {
          const service = /^(cti-gateway|pbx-adapter|media)/.exec(c.name ?? '')?.[1];
          if (service) out[service] = (out[service] ?? 0) + c.in_msgs;
        }
        return out;
      };
      // GC pauses per service in the window (prom-client's nodejs_gc_duration_seconds buckets): how many took
      // over 10 ms and over 100 ms.
      const gcServices = { 'cti-gateway': stack.gatewayUrl, media: stack.media[0]?.httpUrl, 'pbx-adapter': stack.pbxAdapter?.httpUrl };
      const gcCounts = async (): Promise<Record<string, { over10: number; over100: number; all: number }>> => {
        const out: Record<string, { over10: number; over100: number; all: number }> = {};
        for (const [name, url] of Object.entries(gcServices)) {
          if (!url) continue;
          // Each service prefixes its metric names (ucserver_<service>_nodejs_gc_duration_seconds).
          const gc = parseMetrics(await (await fetch(`${url}/metrics`)).text()).filter((m) => m.name.endsWith('_gc_duration_seconds_bucket'));
          const bucket = (le: string): number => gc.filter((m) => m.labels.le === le).reduce((sum, m) => sum + m.value, 0);
          const all = bucket('+Inf');
          out[name] = { all, over10: all - bucket('0.01'), over100: all - bucket('0.1') };
        }
        return out;
      };
      const gc0 = await gcCounts();
      const nats0 = await natsSent();
      const queries0 = await dbQueries();
      const sqlLog0 = sqlLog ? logOffset(postgres!.logFile) : 0;
      const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? treeCpu(pid) : 0]));
      const writes0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? treeCpu(pid, writeSyscalls) : 0]));
      const self0 = process.cpuUsage();
      const w0 = performance.now();
      const inFlight: Promise<void>[] = [];
      // BENCH_CALL_TIMES=<file>: every connected call as `rate,start ms into the window,setup ms,to callee ms`
      // (CSV), to see whether the slow ones cluster in time (a periodic stall) or not.
      const timeline = process.env.BENCH_CALL_TIMES ? [] as string[] : undefined;
      const placeOne = async (): Promise<void> => {
        // All pairs busy (setups slower than the sizing assumed): wait for one to come free, bounded,
        // rather than count the bench's own shortage as a failed call; the wait is before the request,
        // so it is not in the setup time (the offered rate dips instead).
        let pair = pairs.find((p) => !p.busy);
        if (!pair) waitedForPair += 1;
        for (const until = performance.now() + PAIR_WAIT_MS; !pair && performance.now() < until;) {
          await new Promise((r) => setTimeout(r, 20));
          pair = pairs.find((p) => !p.busy);
        }
        if (!pair) return fail(`no free caller/callee pair within ${PAIR_WAIT_MS} ms (bench sizing)`);
        pair.busy = true;
        try {
          const incoming = pair.callee.nextAnswered(SETUP_TIMEOUT_MS);
          incoming.catch(() => undefined);
          const c = await pair.caller.call(pair.callee.line, SETUP_TIMEOUT_MS);
          const inc = await incoming;
          const answerMs = inc.answeredAt - inc.offeredAt;
          setup.push(c.connectedAt - c.sentAt - answerMs);
          toCallee.push(inc.offeredAt - c.sentAt);
          timeline?.push(`${rate},${(c.sentAt - w0).toFixed(1)},${(c.connectedAt - c.sentAt - answerMs).toFixed(2)},${(inc.offeredAt - c.sentAt).toFixed(2)}`);
          answer.push(answerMs);
          await new Promise((r) => setTimeout(r, o.holdMs));
          pair.caller.hangUp(c.avCallId);
          // Let the hang-up reach both phones before the pair is used again.
          await new Promise((r) => setTimeout(r, 500));
        } catch (err) {
          fail((err as Error).message.replace(/\d+/g, 'N').slice(0, 120));
          await new Promise((r) => setTimeout(r, 2000));
        } finally {
          pair.busy = false;
        }
      };
      // Launch on an absolute schedule (no drift), every 1000/rate ms for `seconds`.
      const total = Math.round(rate * o.seconds);
      while (launched < total) {
        const due = w0 + (launched * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(placeOne());
        launched += 1;
      }
      await Promise.all(inFlight);
      if (timeline) appendFileSync(process.env.BENCH_CALL_TIMES!, `${timeline.join('\n')}\n`);
      const elapsed = (performance.now() - w0) / 1000;
      const cpu: Record<string, number> = {};
      const cpuMsPerCall: Record<string, number> = {};
      const writesPerCall: Record<string, number> = {};
      const done = Math.max(1, total - failed);
      for (const [k, pid] of Object.entries(pids)) {
        if (!pid) continue;
        const used = treeCpu(pid) - cpu0[k]!;
        cpu[k] = Math.round((used / elapsed) * 1000) / 10;
        cpuMsPerCall[k] = Math.round((used * 1000 / done) * 10) / 10;
        writesPerCall[k] = Math.round(((treeCpu(pid, writeSyscalls) - writes0[k]!) / done) * 10) / 10;
      }
      const nats1 = await natsSent();
      const natsMessagesPerCall = Object.fromEntries(Object.entries(nats1).map(([k, v]) => [k, Math.round(((v - (nats0[k] ?? 0)) / done) * 10) / 10]));
      const self = process.cpuUsage(self0);
      cpu['bench (clients)'] = Math.round(((self.user + self.system) / 1e6 / elapsed) * 1000) / 10;
      const queriesPerCall = Math.round(((await dbQueries()) - queries0) / done * 10) / 10;
      const gatewayLoopDelayMs = { p99: loopDelayMs('p99'), max: loopDelayMs('max') };
      const gc1 = await gcCounts();
      const gcPauses = Object.fromEntries(Object.keys(gc1).map((k) => [k, { all: gc1[k]!.all - (gc0[k]?.all ?? 0), over10ms: gc1[k]!.over10 - (gc0[k]?.over10 ?? 0), over100ms: gc1[k]!.over100 - (gc0[k]?.over100 ?? 0) }]));
      const row: RateRow = { rate, setup: summarize(setup, total, failed), toCallee: summarize(toCallee, total, failed), answer: summarize(answer, total, failed), cpu, cpuMsPerCall, writesPerCall, natsMessagesPerCall, gatewayDbQueriesPerCall: queriesPerCall, gatewayLoopDelayMs, gcPauses };
      rows.push(row);
      o.log(`  ${String(rate).padStart(4)} calls/s: ${total} calls, setup p50 ${row.setup.p50} ms, p99 ${row.setup.p99} ms, max ${row.setup.max} ms; to callee p50 ${row.toCallee.p50} ms; callee's own answer p50 ${row.answer.p50} ms; failed ${failed}${waitedForPair ? ` (${waitedForPair} waited for a free pair: the offered rate dipped)` : ''}`
        + `${errors.size ? ` (${[...errors].map(([k, v]) => `${v}× ${k}`).join('; ')})` : ''}`);
      o.log(`        GC pauses (all / over 10 ms / over 100 ms): ${Object.entries(gcPauses).map(([k, g]) => `${k} ${g.all} / ${g.over10ms} / ${g.over100ms}`).join(', ')}`);
      o.log(`        CPU % of one core: ${Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(', ')}; gateway SQL statements per call ${queriesPerCall}; gateway event-loop delay p99 ${gatewayLoopDelayMs.p99} ms, max ${gatewayLoopDelayMs.max} ms`);
      o.log(`        CPU ms per call: ${Object.entries(cpuMsPerCall).map(([k, v]) => `${k} ${v}`).join(', ')}; NATS messages sent per call: ${Object.entries(natsMessagesPerCall).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      o.log(`        write system calls per call: ${Object.entries(writesPerCall).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (sqlLog) o.log(`        SQL statements per call by text (PostgreSQL's log; every client of the server):\n${formatTally(tallyStatements(postgres!.logFile, sqlLog0), done).join('\n')}`);
    }
    for (const p of phones) p.close();
    phones.length = 0;
    o.log('\nbaseline: SIPp UAC → Kamailio → SIPp UAS');
    const kamailioRuns = await o.baseline(stack.kamailio!);
    for (const r of kamailioRuns) {
      const s = summarize(r.setupMs, r.calls, r.failed);
      o.log(`  ${String(r.rate).padStart(4)} calls/s: ${r.calls} calls, INVITE → 200 p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms; failed ${r.failed}`);
    }
    return { rows, kamailioRuns };
  } finally {
    for (const p of phones) p.close();
    await stack.stop();
    await rtpengine?.dispose();
    await postgres?.stop();
  }
}

/**
 * The services' NODE_OPTIONS: `--cpu-prof` into `cpuProfileDir`, and BENCH_NODE_OPTIONS as given (e.g.
 * `--perf-basic-prof-only-functions`, so that `perf record -g -p <pid>` names JavaScript frames: a V8 CPU
 * profile books wall time, perf only time on a CPU).
 */
function nodeOptions(cpuProfileDir: string | undefined): { NODE_OPTIONS?: string } {
  const options = [...(cpuProfileDir ? [`--cpu-prof --cpu-prof-dir=${resolve(cpuProfileDir)}`] : []), ...(process.env.BENCH_NODE_OPTIONS ? [process.env.BENCH_NODE_OPTIONS] : [])];
  return options.length > 0 ? { NODE_OPTIONS: options.join(' ') } : {};
}
