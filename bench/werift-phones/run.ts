// bench/werift-phones: what N werift softphones (ICE, DTLS, SRTP, a PCMU tone each way, 50 packets/s
// each direction) cost in CPU in a test process, all in its main thread or spread over worker threads.
// Pairs of phones are connected to each other over loopback (no server between them), so the number is
// the clients' own cost, as the multi-host fault test (issue 18) carries 100 of them beside its stack.
//   node --conditions=ucs-source bench/werift-phones/run.ts [--pairs 50] [--threads 1] [--seconds 20] [--keep]
// Prints the process's CPU (every thread) in percent of one core, each thread's event-loop delay p99
// and max (a late main thread delays the test's signalling and its timing), the packets each phone
// received per second, and that every phone hears its partner's tone (Goertzel on 50 packets).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadavg } from 'node:os';
import { dominantFrequency } from '@ucserver/testkit';
import { WeriftPhone } from '@ucserver/testkit/werift';

interface Job {
  first: number;
  pairs: number;
  seconds: number;
  warmup: number;
  keep: boolean;
}

interface ThreadResult {
  pairs: number;
  setupMs: number;
  received: number;
  delayP99Ms: number;
  delayMaxMs: number;
  heard: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const toneOf = (phone: number): number => 300 + 20 * phone;

/** Runs `job.pairs` connected pairs in this thread; `measure` brackets the window. */
async function runPairs(job: Job, measure: { start: () => void; stop: () => void }): Promise<ThreadResult> {
  const t0 = performance.now();
  const phones: WeriftPhone[] = [];
  const candidates = Array.from({ length: 2 * (job.first + job.pairs) }, (_, i) => toneOf(i));
  for (let k = 0; k < job.pairs; k++) {
    const a = new WeriftPhone({ codecs: ['PCMU'], telephoneEvent: false, headerExtensions: false, keepReceived: job.keep });
    const b = new WeriftPhone({ codecs: ['PCMU'], telephoneEvent: false, headerExtensions: false, keepReceived: job.keep });
    await a.applyAnswer(await b.answer(await a.offer()));
    await Promise.all([a.connected(20_000), b.connected(20_000)]);
    a.startTone(toneOf(2 * (job.first + k)));
    b.startTone(toneOf(2 * (job.first + k) + 1));
    phones.push(a, b);
  }
  const setupMs = performance.now() - t0;
  await sleep(job.warmup * 1000);
  const counts0 = phones.map((p) => p.receivedCount);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  measure.start();
  delay.enable();
  await sleep(job.seconds * 1000);
  delay.disable();
  measure.stop();
  const received = phones.reduce((n, p, i) => n + p.receivedCount - counts0[i]!, 0);
  let heard = 0;
  for (const [i, p] of phones.entries()) {
    const partner = i % 2 === 0 ? i + 1 : i - 1;
    const got = await p.capture(50, 5000).catch(() => []);
    if (dominantFrequency(p.samples(got), candidates, 8000).frequency === toneOf(2 * job.first + partner)) heard++;
  }
  await Promise.all(phones.map((p) => p.close()));
  return { pairs: job.pairs, setupMs, received, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6, heard };
}

if (!isMainThread) {
  const job = workerData as Job;
  // The main thread measures the process; a worker only waits for the window's start and end.
  parentPort!.on('message', () => undefined);
  const r = await runPairs(job, { start: () => parentPort!.postMessage({ at: 'start' }), stop: () => parentPort!.postMessage({ at: 'stop' }) });
  parentPort!.postMessage({ at: 'done', result: r });
} else {
  const { values } = parseArgs({ options: { pairs: { type: 'string' }, threads: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, keep: { type: 'boolean' } } });
  const pairs = Number(values.pairs ?? 50);
  const threads = Number(values.threads ?? 1);
  const seconds = Number(values.seconds ?? 20);
  const warmup = Number(values.warmup ?? 3);
  const keep = values.keep ?? false;
  let cpu0 = process.cpuUsage();
  let wall0 = performance.now();
  let cpuPercent = 0;
  const start = (): void => {
    cpu0 = process.cpuUsage();
    wall0 = performance.now();
  };
  const stop = (): void => {
    const d = process.cpuUsage(cpu0);
    cpuPercent = ((d.user + d.system) / 1000 / (performance.now() - wall0)) * 100;
  };
  const load0 = loadavg()[0]!.toFixed(1);
  let results: ThreadResult[];
  const per = Math.ceil(pairs / threads);
  if (threads <= 1) {
    results = [await runPairs({ first: 0, pairs, seconds, warmup, keep }, { start, stop })];
  } else {
    // Every worker reports its window; the process is measured from the first start to the last stop.
    let started = 0;
    let stopped = 0;
    results = await Promise.all(Array.from({ length: threads }, (_, t) => new Promise<ThreadResult>((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { first: t * per, pairs: Math.min(per, pairs - t * per), seconds, warmup, keep } satisfies Job, execArgv: process.execArgv });
      w.on('message', (m: { at: string; result?: ThreadResult }) => {
        if (m.at === 'start' && ++started === threads) start();
        else if (m.at === 'stop' && ++stopped === threads) stop();
        else if (m.at === 'done') resolve(m.result!);
      });
      w.on('error', reject);
    })));
  }
  const phones = 2 * pairs;
  const received = results.reduce((n, r) => n + r.received, 0);
  const heard = results.reduce((n, r) => n + r.heard, 0);
  console.log(JSON.stringify({
    phones, threads, keepReceived: keep, seconds,
    cpuPercentOfOneCore: Math.round(cpuPercent),
    cpuPerPhonePercent: Math.round((cpuPercent / phones) * 100) / 100,
    receivedPerPhonePerSecond: Math.round((received / phones / seconds) * 10) / 10,
    heard: `${heard} of ${phones}`,
    setupSeconds: results.map((r) => Math.round(r.setupMs / 100) / 10),
    loopDelayP99Ms: results.map((r) => Math.round(r.delayP99Ms)),
    loopDelayMaxMs: results.map((r) => Math.round(r.delayMaxMs)),
    load1: `${load0} → ${loadavg()[0]!.toFixed(1)}`,
  }));
  process.exit(0);
}
