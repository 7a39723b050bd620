// Issue 18, pbx-adapter active/standby through the real test PBX (Kamailio), on a private NATS server,
// with the gateway played on the bus. Two instances on one bus prefix share the lease (PBX_LEASE_MS 3 s):
//  - kill -9 of the active (a process): the standby (in this process) registers every one of ten lines
//    at Kamailio with its own Contact within the lease time (measured from the kill, printed), and an
//    incoming call through Kamailio then reaches it (the gateway is asked, and declines).
//  - the active cut off from NATS (a TCP proxy in front of the server, cut): it fences itself before the
//    standby takes over, sends no REGISTER after that (its counter stands still, and its bindings at
//    Kamailio, granted for 6 s, run out unrefreshed while the new active's stay), and once NATS is back it
//    finds the lease held by the other and stays a standby.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry, loadConfig, PbxAdapterConfig, PbxTopics, type PbxAdapterHeartbeat } from '@ucserver/shared';
import { check, freePort, Kamailio, ManagedProcess, NatsServer, Sipp, TcpProxy, testLineCredentialsKey, testLogger, uniquePrefix } from '@ucserver/testkit';
import { build, type PbxAdapterApp } from '../src/app.ts';
import type { LeaseRole } from '../src/ha/ActiveLeaseTypes.ts';
import { Gateway, testLine } from './support/Gateway.ts';
import { MediaService } from './support/MediaService.ts';

const LEASE_MS = 3000;
const NUMBERS = Array.from({ length: 10 }, (_, i) => String(1000 + i));
const ADAPTER_INDEX = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const UAC_REJECTED_SCENARIO = fileURLToPath(new URL('./fixtures/sipp/uac-rejected.xml', import.meta.url));
const REFUSED_SCENARIO = fileURLToPath(new URL('./fixtures/sipp/uac-refused-via-pbx.xml', import.meta.url));

const env = (natsUrl: string, prefix: string): Record<string, string> => ({
  NATS_URL: natsUrl,
  BUS_PREFIX: prefix,
  SIP_HOST: '127.0.0.1',
  SIP_TRANSPORTS: 'udp',
  SIP_REGISTER_RETRY_MIN_MS: '200',
  SIP_REGISTER_RETRY_MAX_MS: '2000',
  SIP_OPTIONS_INTERVAL_S: '0',
  SHUTDOWN_TIMEOUT_MS: '4000',
  PBX_LEASE_MS: String(LEASE_MS),
  LINE_CREDENTIALS_KEY: testLineCredentialsKey,
});

/** An adapter in this process; `registerExpiresS` below the config's floor of 30 s makes refreshes visible. */
async function inProcess(natsUrl: string, prefix: string, registerExpiresS?: number, extraEnv: Record<string, string> = {}): Promise<PbxAdapterApp> {
  const config = loadConfig('pbx-adapter', PbxAdapterConfig, { ...env(natsUrl, prefix), HTTP_PORT: '0', SIP_PORT: '0', ...extraEnv });
  const app = build({ config: registerExpiresS ? { ...config, SIP_REGISTER_EXPIRES_S: registerExpiresS } : config, logger: testLogger('pbx-adapter'), registry: createMetricsRegistry('pbx-adapter'), unregisterTimeoutMs: 1000 });
  await app.start();
  return app;
}

/** The lines whose bindings at Kamailio include a Contact on SIP port `port`. */
async function boundTo(pbx: Kamailio, port: number): Promise<string[]> {
  const contact = new RegExp(`:${port}(;|>|$)`);
  const bound: string[] = [];
  for (const n of NUMBERS) if ((await pbx.contacts(n)).some((c) => contact.test(c.address))) bound.push(n);
  return bound;
}

const allBoundTo = (pbx: Kamailio, port: number) => async () => ((await boundTo(pbx, port)).length === NUMBERS.length ? true : undefined);

const registerAttempts = async (app: PbxAdapterApp): Promise<number> => (await app.metrics.registerAttempts.get()).values[0]?.value ?? 0;

/** Role changes with their wall-clock time. */
function roles(app: PbxAdapterApp): Array<{ role: LeaseRole; at: number }> {
  const seen: Array<{ role: LeaseRole; at: number }> = [];
  app.lease!.on('role', (role) => seen.push({ role, at: Date.now() }));
  return seen;
}

let nats: NatsServer;
let pbx: Kamailio;
before(async () => {
  nats = await NatsServer.start();
  pbx = await Kamailio.start({ mode: 'direct-media' });
});
after(async () => {
  await pbx?.dispose();
  await nats?.dispose();
});

describe('pbx-adapter active/standby: kill -9 of the active', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'ucs-failover-'));
  let gateway: Gateway;
  let media: MediaService;
  let active: ManagedProcess;
  let activeSip: number;
  let standby: PbxAdapterApp;

  before(async () => {
    gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: NUMBERS.map((number) => testLine({ number, registrar: pbx.address })) });
    media = await MediaService.start(gateway.bus, { natsUrl: nats.url, prefix });
    activeSip = await freePort({ tcp: true, udp: true });
    const http = await freePort({ tcp: true });
    const base: NodeJS.ProcessEnv = { ...process.env };
    // The adapter must not think it is a node:test child.
    delete base.NODE_TEST_CONTEXT;
    delete base.NODE_OPTIONS;
    active = ManagedProcess.spawn('pbx-adapter (active)', process.execPath, ['--conditions=ucs-source', '--no-warnings', ADAPTER_INDEX], {
      env: { ...base, ...env(nats.url, prefix), HTTP_PORT: String(http), SIP_PORT: String(activeSip) },
      logFile: join(dir, 'pbx-adapter-active.log'),
    });
    await active.ready(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => undefined))?.ok === true, 30_000, { name: 'the first adapter ready' });
    await check(allBoundTo(pbx, activeSip), 15_000, { name: 'every line bound to the first adapter' });
    // The PBX (and SIPp standing in for it) on 127.0.0.1 is trusted before the standby knows any line's registrar.
    standby = await inProcess(nats.url, prefix, undefined, { SIP_TRUSTED_PEERS: '127.0.0.1' });
    await check(() => standby.placement?.node(media.nodeId), 5000, { name: 'the standby hearing the media node' });
  });
  after(async () => {
    await standby?.stop();
    await active?.stop({ signal: 'SIGKILL' });
    await media?.dispose();
    await gateway?.close();
    if (!process.env.TEST_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
  });

  it('the second instance is a standby: it registers nothing, and the registration snapshot is answered by the active alone', async () => {
    const lease = (await standby.http.inject({ method: 'GET', url: '/lease' })).json();
    assert.equal(lease.role, 'standby');
    assert.equal(lease.holder.sip, `udp:127.0.0.1:${activeSip}`);
    assert.equal(standby.registrations?.size, 0, 'no line at the standby');
    assert.equal(await registerAttempts(standby), 0, 'no REGISTER from the standby');
    // Both say who they are on pbx-adapter.heartbeat (the gateway's System page lists them from it).
    const heard = new Map<string, PbxAdapterHeartbeat>();
    const sub = gateway.bus.subscribe(PbxTopics.heartbeat, (hb) => void heard.set(hb.role, hb));
    try {
      await check(() => heard.has('active') && heard.has('standby'), 10_000, { name: 'heartbeats of the active and of the standby' });
    } finally {
      sub.unsubscribe();
    }
    assert.equal(heard.get('active')!.sip, `udp:127.0.0.1:${activeSip}`);
    assert.equal(heard.get('standby')!.sip, `udp:127.0.0.1:${standby.sipAddress('udp').port}`);
    assert.equal(heard.get('standby')!.leaseHolder, heard.get('active')!.holder, 'the standby names the active as the holder');
    assert.match(heard.get('standby')!.version, /^\d+\.\d+\.\d+/);
    // A standby answering in the queue group would reply with no lines.
    for (let i = 0; i < 6; i++) {
      const states = await gateway.registrationsSnapshot();
      assert.equal(states.filter((s) => s.status === 'registered').length, NUMBERS.length, `snapshot ${i} from the active`);
    }
  });

  it("an INVITE that reaches the standby is answered 503 with Retry-After (not serving now), not 404 (no such user); the gateway is not asked", async () => {
    const asked = gateway.incoming.length;
    const target = standby.sipAddress('udp');
    const result = await Sipp.run({ scenario: UAC_REJECTED_SCENARIO, target: `${target.host}:${target.port}`, service: NUMBERS[0]!, vars: { from: '200' }, args: ['-mp', String(await freePort({ count: 2, even: true }))] });
    assert.equal(result.exitCode, 0, result.messages.map((m) => `${m.direction} ${m.startLine}`).join('\n'));
    const finals = result.messages.filter((m) => m.direction === 'received' && (m.status ?? 0) >= 200);
    assert.deepEqual(finals.map((m) => m.status), [503]);
    assert.equal(finals[0]!.headers.find(([name]) => name.toLowerCase() === 'retry-after')?.[1]?.trim(), String(Math.ceil(LEASE_MS / 1000)), 'Retry-After: the lease time');
    assert.equal(gateway.incoming.length, asked, 'the gateway was not asked');
    const outcomes = (await standby.metrics.callSetupOutcomes.get()).values;
    assert.equal(outcomes.find((v) => v.labels.outcome === 'not-serving')?.value, 1, 'counted as not-serving');
  });

  it('kill -9 of the active: the standby registers every line within the lease time, and an incoming call reaches it', async (t) => {
    const standbyRoles = roles(standby);
    const killedAt = Date.now();
    await active.stop({ signal: 'SIGKILL' });
    await check(allBoundTo(pbx, standby.sipAddress('udp').port), LEASE_MS + 20_000, { name: 'every line bound to the standby', intervalMs: 50 });
    const tookMs = Date.now() - killedAt;
    const activeMs = standbyRoles.find((r) => r.role === 'active')!.at - killedAt;
    const report = `failover: the standby took the lease ${activeMs} ms and had all ${NUMBERS.length} lines registered ${tookMs} ms after kill -9 of the active (PBX_LEASE_MS ${LEASE_MS})`;
    t.diagnostic(report);
    console.log(report);
    // The lease, plus its read interval and the registrations, plus slack for a loaded 2-core machine.
    assert.ok(tookMs <= LEASE_MS + 3000, `took ${tookMs} ms`);
    assert.equal((await standby.http.inject({ method: 'GET', url: '/lease' })).json().role, 'active');

    gateway.onIncoming = () => ({ accept: false, reason: 'busy' });
    const before = gateway.incoming.length;
    const running = Sipp.run({
      scenario: REFUSED_SCENARIO, target: pbx, service: '1003', auth: { user: '200', password: 'pw200' },
      vars: { from: '200' }, args: ['-mp', String(await freePort({ count: 2, even: true }))], timeoutMs: 45_000,
    });
    await check(() => gateway.incoming.length > before, 15_000, { name: 'the incoming call at the gateway, from the new active' });
    assert.equal(gateway.incoming[before]!.lineId, 'line-1003');
    // Kamailio forks to the dead adapter's binding too (it expires later): its final answer waits for that branch.
    const result = await running;
    const finals = result.messages.filter((m) => m.direction === 'received' && (m.status ?? 0) >= 300).map((m) => m.status);
    t.diagnostic(`the caller got ${finals.join(', ')}`);
    // 407 (the PBX's challenge), then the gateway's 'busy' as the new active's 486.
    assert.equal(finals.at(-1), 486, `the refusal reached the caller: ${finals.join(', ')}; exit ${result.exitCode}`);
  });
});

describe('pbx-adapter active/standby: the active cut off from NATS (no split brain)', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix();
  let gateway: Gateway;
  let proxy: TcpProxy;
  let first: PbxAdapterApp;
  let second: PbxAdapterApp;

  before(async () => {
    gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: NUMBERS.map((number) => testLine({ number, registrar: pbx.address })) });
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
    // Bindings granted for 6 s: an active refreshes them every ~5 s, so a REGISTER it should not send shows.
    first = await inProcess(proxy.natsUrl, prefix, 6);
    second = await inProcess(nats.url, prefix, 6);
    await check(allBoundTo(pbx, first.sipAddress('udp').port), 15_000, { name: 'every line bound to the first adapter' });
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
    await proxy?.close();
    await gateway?.close();
  });

  it('the cut-off active stops registering before the standby takes over; back on NATS it stays a standby', async (t) => {
    assert.equal(first.lease?.role, 'active');
    assert.equal(second.lease?.role, 'standby');
    const firstRoles = roles(first);
    const secondRoles = roles(second);
    // It does refresh while active (so "no REGISTER after the fence" below can fail).
    const initial = await registerAttempts(first);
    await check(async () => (await registerAttempts(first)) >= initial + NUMBERS.length, 10_000, { name: 'the active refreshing its bindings' });

    let atFence = -1;
    first.lease!.on('role', (role) => {
      if (role === 'fenced') void registerAttempts(first).then((n) => (atFence = n));
    });
    const cutAt = Date.now();
    proxy.cut();
    await check(() => secondRoles.find((r) => r.role === 'active'), LEASE_MS + 10_000, { name: 'the standby active' });
    const fencedAt = firstRoles.find((r) => r.role === 'fenced')?.at;
    const tookAt = secondRoles.find((r) => r.role === 'active')!.at;
    t.diagnostic(`cut at 0 ms: the old active fenced at ${fencedAt! - cutAt} ms, the standby active at ${tookAt - cutAt} ms`);
    assert.ok(fencedAt !== undefined && fencedAt < tookAt, `fenced (${fencedAt! - cutAt} ms) before the takeover (${tookAt - cutAt} ms)`);
    await check(allBoundTo(pbx, second.sipAddress('udp').port), 10_000, { name: 'every line bound to the new active' });

    // The old bindings run out unrefreshed (6 s), the new ones are kept.
    await check(async () => ((await boundTo(pbx, first.sipAddress('udp').port)).length === 0 ? true : undefined), 12_000, { name: "the old active's bindings expired" });
    assert.equal(await registerAttempts(first), atFence, 'no REGISTER from the old active after its fence');
    assert.deepEqual(await boundTo(pbx, second.sipAddress('udp').port), NUMBERS, "the new active's bindings refreshed");

    proxy.restore();
    await check(() => first.lease?.role === 'standby', 20_000, { name: 'the old active a standby once back on NATS' });
    assert.equal(second.lease?.role, 'active');
    assert.equal(first.lease?.holder?.sip, `udp:127.0.0.1:${second.sipAddress('udp').port}`);
    assert.equal(await registerAttempts(first), atFence, 'still no REGISTER from it');
  });
});

describe('pbx-adapter lease: a lone active cut off from NATS longer than the lease', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix();
  let gateway: Gateway;
  let proxy: TcpProxy;
  let adapter: PbxAdapterApp;

  before(async () => {
    gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: NUMBERS.map((number) => testLine({ number, registrar: pbx.address })) });
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
    adapter = await inProcess(proxy.natsUrl, prefix);
    await check(allBoundTo(pbx, adapter.sipAddress('udp').port), 15_000, { name: 'every line bound to the adapter' });
  });
  after(async () => {
    await adapter?.stop();
    await proxy?.close();
    await gateway?.close();
  });

  it('fences (no REGISTER while cut off), then takes its lease back and registers every line again once NATS is back', async (t) => {
    const seen = roles(adapter);
    const cutAt = Date.now();
    proxy.cut();
    await check(() => adapter.lease?.role === 'fenced', LEASE_MS + 5000, { name: 'fenced' });
    const atFence = await registerAttempts(adapter);
    assert.equal(adapter.registrations?.halted, true);
    // Past the lease (the entry has expired at the server), still cut off: nothing is sent.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    assert.equal(await registerAttempts(adapter), atFence, 'no REGISTER while fenced');
    const restoredAt = Date.now();
    proxy.restore();
    await check(() => adapter.lease?.role === 'active', 20_000, { name: 'active again' });
    await check(async () => ((await registerAttempts(adapter)) >= atFence + NUMBERS.length ? true : undefined), 10_000, { name: 'every line registered again' });
    assert.deepEqual(await boundTo(pbx, adapter.sipAddress('udp').port), NUMBERS);
    t.diagnostic(`cut at 0 ms: fenced at ${seen[0]!.at - cutAt} ms; NATS back at ${restoredAt - cutAt} ms, active again at ${seen.at(-1)!.at - cutAt} ms`);
    assert.deepEqual(seen.map((r) => r.role), ['fenced', 'active']);
  });
});
