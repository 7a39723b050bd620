// bench/cti-load: N concurrent ENetUC TCP clients log in, monitor a line and keep alive; reports logins/s,
// request latency p50/p99 at a fixed request rate, and gateway RSS per connection, for N = 1k, 5k, 10k.
// Baseline in the same run: a bare TCP server that only parses J-frames and echoes a fixed result (no
// sessions, no DB, no bus) — the floor any ENetUC server pays for sockets and framing.
//   npm run bench:cti-load [-- --quick] [-- --sizes 1000,5000,10000] [-- --rate 200]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EnetucClient } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import { AdminClient } from '../../services/cti-gateway/src/cli/AdminClient.ts';
import { freePort, testLineCredentialsKey } from '@ucserver/testkit';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { quick: { type: 'boolean' }, sizes: { type: 'string' }, rate: { type: 'string' }, users: { type: 'string' } } });
const sizes = (values.sizes ?? (values.quick ? '200,1000' : '1000,5000,10000')).split(',').map(Number);
const rate = Number(values.rate ?? 200);
const USERS = Number(values.users ?? (values.quick ? 10 : 50));
const measureSeconds = values.quick ? 3 : 10;

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function waitHttp(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startGateway(): Promise<{ proc: ChildProcess; ctiPort: number; httpPort: number }> {
  const httpPort = await freePort();
  const ctiPort = await freePort();
  const proc = spawn(process.execPath, ['--max-old-space-size=4096', '--conditions=ucs-source', 'services/cti-gateway/src/index.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      BUS_PREFIX: `bench${process.pid}`,
      PGLITE_DIR: 'memory://',
      HTTP_PORT: String(httpPort),
      CTI_TCP_PORT: String(ctiPort),
      ADMIN_TOKEN: 'bench',
      LINE_CREDENTIALS_KEY: testLineCredentialsKey,
      CTI_IDLE_TIMEOUT_MS: '600000',
      LOGIN_MAX_FAILURES: '1000',
    },
  });
  await waitHttp(`http://127.0.0.1:${httpPort}/readyz`, 60_000);
  return { proc, ctiPort, httpPort };
}

/** The floor, in its own process: see baselineServer.ts. */
async function startBaseline(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--conditions=ucs-source', 'bench/cti-load/baselineServer.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    proc.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
  });
  return { proc, port };
}

interface SizeResult {
  n: number;
  passwordLoginsPerS: number;
  tokenLoginsPerS: number;
  monitorsPerS: number;
  p50Ms: number;
  p99Ms: number;
  achievedRate: number;
  /** RSS growth while this size's clients connected and monitored, per connection. After a larger earlier
   * size the heap is already grown, so this reads low: see gatewayRssMiB for the absolute figure. */
  rssPerConnKiB: number;
  gatewayRssMiB: number;
  baselineRssPerConnKiB: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
  gatewayCpuPct: number;
}

async function measureRequests(clients: EnetucClient[], seconds: number, send: (c: EnetucClient) => Promise<unknown>): Promise<{ lat: number[]; done: number }> {
  const lat: number[] = [];
  const interval = 1000 / rate;
  const end = Date.now() + seconds * 1000;
  let next = Date.now();
  const inflight: Promise<void>[] = [];
  let i = 0;
  while (Date.now() < end) {
    const c = clients[i++ % clients.length]!;
    const t0 = performance.now();
    inflight.push(send(c).then(() => void lat.push(performance.now() - t0), () => undefined));
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inflight);
  return { lat: lat.sort((a, b) => a - b), done: lat.length };
}

async function main(): Promise<void> {
  console.log(`cti-load: sizes ${sizes.join(', ')}, request rate ${rate}/s, ${USERS} users${values.quick ? ' (quick)' : ''}`);
  const gw = await startGateway();
  gateway = gw.proc;
  const admin = new AdminClient({ baseUrl: `http://127.0.0.1:${gw.httpPort}`, token: 'bench' });
  const tokens: string[] = [];
  const t0 = performance.now();
  for (let u = 0; u < USERS; u++) {
    await admin.request('POST', '/users', { login: `u${u}`, password: `password-${u}` });
    await admin.request('POST', '/lines', { number: `${1000 + u}`, registrar: '127.0.0.1:5060', owner: `u${u}` });
  }
  console.log(`setup: ${USERS} users + lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Password logins (scrypt verification) on one connection per user.
  const tp = performance.now();
  for (let u = 0; u < USERS; u++) {
    const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: gw.ctiPort, timeoutMs: 30_000 });
    const r = await c.login(`u${u}`, `password-${u}`, { softphone: false });
    if ('succceeded' in r && r.succceeded.token && 'u8sToken' in r.succceeded.token) tokens.push(r.succceeded.token.u8sToken);
    c.close();
  }
  const passwordLoginsPerS = USERS / ((performance.now() - tp) / 1000);
  const baseline = await startBaseline();
  baselineProc = baseline.proc;
  const results: SizeResult[] = [];
  let clients: EnetucClient[] = [];
  for (const n of sizes) {
    for (const c of clients) c.close();
    clients = [];
    await new Promise((r) => setTimeout(r, 1000));
    const rss0 = rssKiB(gw.proc.pid!);
    const tl = performance.now();
    // connect + token login in batches of 200 concurrent
    for (let i = 0; i < n; i += 200) {
      const batch = await Promise.all(Array.from({ length: Math.min(200, n - i) }, async (_, k) => {
        const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: gw.ctiPort, timeoutMs: 60_000 });
        await c.invoke('asnLoginV2', { auth: { authBearer: { u8sJWT: tokens[(i + k) % tokens.length]! } } });
        return c;
      }));
      clients.push(...batch);
    }
    const tokenLoginsPerS = n / ((performance.now() - tl) / 1000);
    const tm = performance.now();
    for (let i = 0; i < n; i += 500) {
      await Promise.all(clients.slice(i, i + 500).map((c, k) => c.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: `tel:${1000 + ((i + k) % USERS)}` }, { timeoutMs: 60_000 })));
    }
    const monitorsPerS = n / ((performance.now() - tm) / 1000);
    const keepalive = setInterval(() => {
      for (const c of clients) c.sendEvent('asnTransportKeepAlive', { dummy: null });
    }, 20_000);
    const rss1 = rssKiB(gw.proc.pid!);
    const cpu0 = cpuTicks(gw.proc.pid!);
    const w0 = Date.now();
    const { lat, done } = await measureRequests(clients, measureSeconds, (c) => c.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: `tel:${1000 + (clients.indexOf(c) % USERS)}` }, { timeoutMs: 30_000 }));
    const gatewayCpuPct = ((cpuTicks(gw.proc.pid!) - cpu0) / 100 / ((Date.now() - w0) / 1000)) * 100;
    clearInterval(keepalive);
    // Closed before the baseline's sockets open: both sets at once would be 2N descriptors in this process.
    for (const c of clients) c.close();
    clients = [];
    await new Promise((r) => setTimeout(r, 1000));

    // Baseline: same number of sockets and the same request rate against the bare framing server.
    const baseClients: EnetucClient[] = [];
    const brss0 = rssKiB(baseline.proc.pid!);
    for (let i = 0; i < n; i += 500) {
      baseClients.push(...(await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => EnetucClient.connectTcp({ host: '127.0.0.1', port: baseline.port, timeoutMs: 30_000 })))));
    }
    const brss1 = rssKiB(baseline.proc.pid!);
    const b = await measureRequests(baseClients, measureSeconds, (c) => c.invoke('asnKeepAlive' as never, {} as never).catch(() => undefined));
    for (const c of baseClients) c.close();
    const r: SizeResult = {
      n,
      passwordLoginsPerS: Math.round(passwordLoginsPerS * 10) / 10,
      tokenLoginsPerS: Math.round(tokenLoginsPerS),
      monitorsPerS: Math.round(monitorsPerS),
      p50Ms: Math.round(percentile(lat, 50) * 100) / 100,
      p99Ms: Math.round(percentile(lat, 99) * 100) / 100,
      achievedRate: Math.round(done / measureSeconds),
      rssPerConnKiB: Math.round(((rss1 - rss0) / n) * 10) / 10,
      gatewayRssMiB: Math.round(rss1 / 1024),
      baselineRssPerConnKiB: Math.round(((brss1 - brss0) / n) * 10) / 10,
      baselineP50Ms: Math.round(percentile(b.lat, 50) * 100) / 100,
      baselineP99Ms: Math.round(percentile(b.lat, 99) * 100) / 100,
      gatewayCpuPct: Math.round(gatewayCpuPct),
    };
    results.push(r);
    console.log(`N=${n}: token logins ${r.tokenLoginsPerS}/s, monitors ${r.monitorsPerS}/s, snapshot p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms at ${r.achievedRate}/s (baseline p50 ${r.baselineP50Ms} p99 ${r.baselineP99Ms}), gateway RSS +${r.rssPerConnKiB} KiB/conn (baseline ${r.baselineRssPerConnKiB}), ${r.gatewayRssMiB} MiB in all, gateway CPU ${r.gatewayCpuPct}%`);
  }
  for (const c of clients) c.close();
  baseline.proc.kill('SIGTERM');
  gw.proc.kill('SIGTERM');
  console.log(`password logins (scrypt N=2^15): ${passwordLoginsPerS.toFixed(1)}/s`);
  const last = results.at(-1)!;
  console.log(JSON.stringify({
    bench: 'cti-load',
    quick: Boolean(values.quick),
    rate,
    passwordLoginsPerS: Math.round(passwordLoginsPerS * 10) / 10,
    results,
    ratios: {
      p99VsBaseline: Math.round((last.p99Ms / last.baselineP99Ms) * 10) / 10,
      rssPerConnVsBaseline: Math.round((last.rssPerConnKiB / Math.max(0.1, last.baselineRssPerConnKiB)) * 10) / 10,
    },
  }));
}

let gateway: ChildProcess | undefined;
let baselineProc: ChildProcess | undefined;
process.on('exit', () => {
  gateway?.kill('SIGKILL');
  baselineProc?.kill('SIGKILL');
});
main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
