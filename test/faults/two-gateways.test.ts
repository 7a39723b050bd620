// Issue 18, two cti-gateways sharing the clients, on one NATS and one PostgreSQL, with the real
// pbx-adapter, media node and Kamailio: alice's browser reaches gateway 1 through a TCP proxy (the load
// balancer), bob's browser gateway 2 directly.
//  - alice (gw-1) sees bob (gw-2) online in her People panel (gateway.sessions), calls him: the incoming
//    call is answered by gw-2, where bob's softphone is (gateway 1 stays silent), audio both ways; alice
//    sees bob busy; the journal holds exactly one row per call and line, written once by the shared
//    durable consumer.
//  - kill -9 of gw-1 during a call: the proxy fails over to gw-2; alice's page reconnects there and gets
//    its lines and no ghost call; the pbx-adapter ends the call gw-1 owned (BYE, 'gateway-lost'), bob's leg
//    ends with it; no journal row is left open, none is lost; the next call works through gw-2.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check, freePort, TcpProxy } from '@ucserver/testkit';
import { AdminBrowser } from '../e2e/support/AdminBrowser.ts';
import type { BrowserUser } from '../e2e/support/BrowserUser.ts';
import { establish, hangUp, waitIdle } from '../e2e/support/callFlow.ts';
import { ALICE, BOB, E2eStack, type JournalRow } from '../e2e/support/E2eStack.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { NodeService } from '../e2e/support/NodeService.ts';
import { adminSql, databaseUrl } from './support/postgresAdmin.ts';
import { before as by, byeCounters, rowsOf } from './support/recoveryChecks.ts';

await enterNetworkNamespace();

const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
const dbName = `ucs_test_${randomBytes(6).toString('hex')}`;
const dbUrl = databaseUrl(dbName);

let stack: E2eStack;
let gw1: NodeService;
let gw2: NodeService;
let proxy: TcpProxy;
let alice: BrowserUser;
let bob: BrowserUser;

before(async () => {
  await adminSql(`create database ${dbName}`);
  const shared = { DATABASE_URL: dbUrl, GATEWAY_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS), AUTH_TOKEN_SECRET: randomBytes(32).toString('hex') };
  stack = await E2eStack.start({
    scenario: 'faults-two-gateways',
    pbxMode: 'media-via-pbx',
    users: [ALICE, BOB],
    gatewayEnv: { ...shared, GATEWAY_INSTANCE_ID: 'gw-1' },
    pbxAdapterEnv: { GATEWAY_LOSS_GRACE_MS: String(GRACE_MS) },
  });
  gw1 = stack.gateway!;
  gw2 = NodeService.start('cti-gateway', 'cti-gateway-2', {
    ...gw1.env,
    HTTP_PORT: String(await freePort({ tcp: true })),
    CTI_TCP_PORT: String(await freePort({ tcp: true })),
    GATEWAY_INSTANCE_ID: 'gw-2',
  }, stack.artifacts);
  stack.onStop(() => gw2.stop());
  await gw2.waitReady(60_000);
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(gw1.env.HTTP_PORT) });
  stack.onStop(() => proxy.close());
  alice = await stack.browser(ALICE, 440, `http://127.0.0.1:${proxy.port}`);
  bob = await stack.browser(BOB, 1000, gw2.httpUrl);
  await alice.login();
  await bob.login();
});

after(async () => {
  await stack?.stop();
  await adminSql(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
});

/** The badge of `login` on `viewer`'s People panel, once it is `badge`. */
async function waitBadge(viewer: BrowserUser, login: string, badge: string, timeoutMs = 10_000): Promise<void> {
  const row = viewer.testid(`presence-${login}`);
  await check(async () => (await row.getAttribute('data-presence').catch(() => null)) === badge, timeoutMs, { name: `${viewer.name} sees ${login} "${badge}"`, intervalMs: 100 }).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message} (now: ${await row.getAttribute('data-presence').catch(() => 'missing')})`, { cause: err });
  });
}

/** Every journal row (both gateways read the one database). */
async function journal(gateway: NodeService): Promise<JournalRow[]> {
  const res = await fetch(`${gateway.httpUrl}/api/v1/journal?limit=100`, { headers: { authorization: `Bearer ${stack.adminToken}` }, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { entries: JournalRow[] }).entries;
}

test('alice on gateway 1 sees bob on gateway 2 online and busy, calls him (gateway 2 takes the call), one journal row per call and line', async () => {
  await stack.step('alice (gw-1) sees bob (gw-2) free, bob sees alice free: each one online through the other gateway', async () => {
    await waitBadge(alice, 'bob', 'free');
    await waitBadge(bob, 'alice', 'free');
    await alice.screenshot('people-across-gateways');
  });
  const ids = await establish(stack, alice, bob);
  await stack.step('alice sees bob busy (his call events and presence from gw-2\'s side reach gw-1\'s subscriber)', async () => {
    await waitBadge(alice, 'bob', 'busy');
  });
  await stack.step('one journal writer: gw-1 (the lower instance id) consumes, gw-2 stands by', async () => {
    assert.match(gw2.tail(20_000), /another gateway writes the journal \(lower instance id\); this one stands by/);
    assert.doesNotMatch(gw1.tail(20_000), /another gateway writes the journal/);
  });
  await stack.step('gw-2 accepted the incoming call (it owns bob\'s softphone call); gw-1 stayed silent', async () => {
    assert.match(gw2.tail(4000), new RegExp(`"callId":"${ids.calleeId}"[^\\n]*incoming call offered to softphone`));
    assert.doesNotMatch(gw1.tail(4000), /incoming call offered to softphone/);
  });
  await hangUp(stack, alice, bob, 'normal');
  await stack.step('journal: exactly one closed row per call and line, the same from both gateways', async () => {
    const rows = await by(Date.now() + 10_000, 'both rows closed', async () => {
      const r = await rowsOf(stack, [ids.callerId, ids.calleeId]);
      return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
    }, async () => JSON.stringify(await journal(gw1)));
    assert.deepEqual(rows.map((r) => [r.lineNumber, r.direction, r.disconnectCause]).sort(), [['100', 'outbound', 'normal'], ['101', 'inbound', 'normal']]);
    const [one, two] = [await journal(gw1), await journal(gw2)];
    assert.equal(one.length, 2, JSON.stringify(one));
    assert.deepEqual(two, one);
  });
  await waitBadge(alice, 'bob', 'free');
});

test('kill -9 of gateway 1 during a call: alice reconnects to gateway 2 with her lines, the call ends with BYE, no journal row open or lost, the next call works', async () => {
  const ids = await establish(stack, alice, bob);
  const byes0 = await byeCounters(stack);
  const killedAt = Date.now();
  await stack.step('kill -9 gw-1; the load balancer (proxy) sends new connections to gw-2', async () => {
    await gw1.stop('SIGKILL');
    proxy.retarget({ host: '127.0.0.1', port: Number(gw2.env.HTTP_PORT) });
    stack.gateway = gw2;
  });
  await stack.step('alice\'s page reconnects to gw-2 and gets her lines and no ghost call', async () => {
    const s = await alice.waitState((x) => x.connection === 'connected' && x.lines.length > 0, 'reconnected with lines', 30_000);
    stack.log(`alice reconnected to gw-2 with ${s.lines.length} line(s) ${Date.now() - killedAt} ms after the kill`);
    assert.deepEqual(s.lines.map((l) => l.number), ['100']);
  });
  await stack.step('the pbx-adapter ends the call gw-1 owned (BYE at the PBX); bob\'s leg ends too', async () => {
    const deadline = killedAt + 3 * HEARTBEAT_MS + GRACE_MS + 10_000;
    // One BYE: alice's dialog (gw-1 owned it); Kamailio relays it into bob's dialog, which gw-2 owns and
    // which ends as an ordinary remote hang-up (the adapter answers 200 to Kamailio).
    await by(deadline, 'the BYE of alice\'s dialog at Kamailio, answered', async () => {
      const now = await byeCounters(stack);
      return now.byes - byes0.byes >= 1 && now.byeOk - byes0.byeOk >= 1 ? true : undefined;
    }, async () => JSON.stringify(await byeCounters(stack)));
    stack.log(`BYEs at the PBX ${Date.now() - killedAt} ms after the kill`);
    const ended = await bob.waitCall((c) => c.state === 'destroyed', 'bob\'s call ended', 15_000);
    stack.log(`bob's call ended (cause ${ended.cause}) ${Date.now() - killedAt} ms after the kill`);
  });
  await stack.step('no journal row open, none lost: both rows of the call closed', async () => {
    const rows = await by(Date.now() + 15_000, 'both rows closed', async () => {
      const r = await rowsOf(stack, [ids.callerId, ids.calleeId]);
      return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
    }, async () => JSON.stringify(await journal(gw2)));
    const caller = rows.find((r) => r.callId === ids.callerId)!;
    assert.equal(caller.disconnectCause, 'gateway-lost', 'the call gw-1 owned');
    const all = await journal(gw2);
    assert.deepEqual(all.filter((r) => r.endedAt === null), [], 'no open row');
    assert.equal(all.length, 4, 'two calls, two rows each');
    // gw-1 (the lower id) wrote the journal until it died; gw-2 took the shared durable consumer over.
    assert.match(gw2.tail(5000), /this gateway writes the journal now/);
    stack.log(`journal closed ${Date.now() - killedAt} ms after the kill: ${rows.map((r) => `${r.lineNumber} ${r.disconnectCause}`).join(', ')}`);
  });
  await stack.step('the next call works, both clients on gw-2', async () => {
    await waitIdle(stack, alice, bob);
    await establish(stack, alice, bob);
    await hangUp(stack, bob, alice, 'normal');
  });
});

test('the System page lists every pbx-adapter: the active one and a standby, with role, lease holder, version, last seen', async () => {
  const standby = await stack.step('start a standby pbx-adapter (own SIP and HTTP port, same bus)', async () => {
    const env = stack.pbxAdapter!.env;
    const service = NodeService.start('pbx-adapter', 'pbx-adapter-standby', { ...env, HTTP_PORT: String(await freePort({ tcp: true })), SIP_PORT: String(await freePort({ tcp: true, udp: true })) }, stack.artifacts);
    stack.onStop(() => service.stop());
    await service.waitReady(60_000);
    return service;
  });
  const tmp = mkdtempSync(join(tmpdir(), 'ucs-two-gw-admin-'));
  stack.onStop(async () => rmSync(tmp, { recursive: true, force: true }));
  await stack.admin('POST', '/api/v1/users', { login: 'root', password: 'root-secret-1', displayName: 'Operator', role: 'admin' });
  const console = await AdminBrowser.launch({ name: 'admin', baseUrl: gw2.httpUrl, artifacts: stack.artifacts, tmp });
  stack.onStop(() => console.close());
  await stack.step('the API lists both adapters, the active one first', async () => {
    type Adapter = { sip: string; role: string; leaseHolder: string | null; instance: string; version: string; heartbeatAgeMs: number; ok: boolean };
    const adapters = await by(Date.now() + 15_000, 'two adapters heard', async () => {
      const system = await stack.admin<{ pbxAdapters: Adapter[] }>('GET', '/api/v1/system');
      // The standby's first beat may precede its first read of the lease (no holder yet); the next names it.
      return system.pbxAdapters.length === 2 && system.pbxAdapters.every((a) => a.ok && a.leaseHolder !== null) ? system.pbxAdapters : undefined;
    }, async () => JSON.stringify((await stack.admin<{ pbxAdapters: Adapter[] }>('GET', '/api/v1/system')).pbxAdapters));
    assert.deepEqual(adapters.map((a) => [a.role, a.sip]), [['active', `udp:127.0.0.1:${stack.pbxAdapter!.env.SIP_PORT}`], ['standby', `udp:127.0.0.1:${standby.env.SIP_PORT}`]]);
    assert.equal(adapters[1]!.leaseHolder, adapters[0]!.instance, 'the standby names the active as the holder');
    for (const a of adapters) assert.match(a.version, /^\d+\.\d+\.\d+/);
  });
  await stack.step('System page: the pbx-adapters table and a component row per adapter', async () => {
    await console.login('root', 'root-secret-1');
    await console.open('system');
    const rows = console.page.locator('[data-testid="pbx-adapters-row"]');
    await check(async () => (await rows.count()) === 2, 10_000, { name: 'two rows in the pbx-adapters table' });
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-role'))), ['active', 'standby']);
    assert.equal(await rows.nth(1).getByTestId('adapter-role').textContent(), 'STANDBY');
    await console.screenshot('system-two-adapters');
  });
  await stack.step('the standby stopped: its row says so (stopped, down) at once', async () => {
    await standby.stop();
    const adapters = await by(Date.now() + 10_000, 'the standby shown stopped', async () => {
      const system = await stack.admin<{ pbxAdapters: Array<{ role: string; ok: boolean }> }>('GET', '/api/v1/system');
      return system.pbxAdapters.some((a) => a.role === 'stopped' && !a.ok) ? system.pbxAdapters : undefined;
    }, async () => JSON.stringify(await stack.admin('GET', '/api/v1/system')));
    assert.deepEqual(adapters.map((a) => [a.role, a.ok]), [['active', true], ['stopped', false]]);
  });
});
