// Issue 18's stack, shared by the fault tests of two cti-gateways: one NATS, one PostgreSQL (a database
// of the test's own), the real pbx-adapter, media node and Kamailio; alice's browser reaches gateway 1
// (gw-1) through a TCP proxy (the load balancer), bob's browser gateway 2 (gw-2) directly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { check, freePort, TcpProxy } from '@ucserver/testkit';
import type { BrowserUser } from '../../e2e/support/BrowserUser.ts';
import { ALICE, BOB, E2eStack, type JournalRow } from '../../e2e/support/E2eStack.ts';
import { NodeService } from '../../e2e/support/NodeService.ts';
import { adminSql, databaseUrl } from './postgresAdmin.ts';

export interface TwoGatewaysOptions {
  scenario: string;
  heartbeatMs: number;
  /** GATEWAY_LOSS_GRACE_MS of the pbx-adapter. */
  graceMs: number;
  /** Query parameters of alice's page (e.g. `reattach=off`: a client that does not re-attach its calls). */
  aliceQuery?: string;
}

export interface TwoGateways {
  stack: E2eStack;
  gw1: NodeService;
  gw2: NodeService;
  proxy: TcpProxy;
  alice: BrowserUser;
  bob: BrowserUser;
  /** Stops everything and drops the database. */
  stop(): Promise<void>;
}

export async function startTwoGateways(options: TwoGatewaysOptions): Promise<TwoGateways> {
  const dbName = `ucs_test_${randomBytes(6).toString('hex')}`;
  const dbUrl = databaseUrl(dbName);
  await adminSql(`create database ${dbName}`);
  const shared = { DATABASE_URL: dbUrl, GATEWAY_HEARTBEAT_INTERVAL_MS: String(options.heartbeatMs), AUTH_TOKEN_SECRET: randomBytes(32).toString('hex') };
  let stack: E2eStack | undefined;
  const stop = async (): Promise<void> => {
    await stack?.stop();
    await adminSql(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  };
  try {
    stack = await E2eStack.start({
      scenario: options.scenario,
      pbxMode: 'media-via-pbx',
      users: [ALICE, BOB],
      gatewayEnv: { ...shared, GATEWAY_INSTANCE_ID: 'gw-1' },
      pbxAdapterEnv: { GATEWAY_LOSS_GRACE_MS: String(options.graceMs) },
    });
    const gw1 = stack.gateway!;
    const gw2 = NodeService.start('cti-gateway', 'cti-gateway-2', {
      ...gw1.env,
      HTTP_PORT: String(await freePort({ tcp: true })),
      CTI_TCP_PORT: String(await freePort({ tcp: true })),
      GATEWAY_INSTANCE_ID: 'gw-2',
    }, stack.artifacts);
    stack.onStop(() => gw2.stop());
    await gw2.waitReady(60_000);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(gw1.env.HTTP_PORT) });
    stack.onStop(() => proxy.close());
    const alice = await stack.browser(ALICE, 440, `http://127.0.0.1:${proxy.port}`, options.aliceQuery);
    const bob = await stack.browser(BOB, 1000, gw2.httpUrl);
    await alice.login();
    await bob.login();
    return { stack, gw1, gw2, proxy, alice, bob, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The badge of `login` on `viewer`'s People panel, once it is `badge`. */
export async function waitBadge(viewer: BrowserUser, login: string, badge: string, timeoutMs = 10_000): Promise<void> {
  const row = viewer.testid(`presence-${login}`);
  await check(async () => (await row.getAttribute('data-presence').catch(() => null)) === badge, timeoutMs, { name: `${viewer.name} sees ${login} "${badge}"`, intervalMs: 100 }).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message} (now: ${await row.getAttribute('data-presence').catch(() => 'missing')})`, { cause: err });
  });
}

/** Every journal row (every gateway reads the one database). */
export async function journal(stack: E2eStack, gateway: NodeService): Promise<JournalRow[]> {
  const res = await fetch(`${gateway.httpUrl}/api/v1/journal?limit=100`, { headers: { authorization: `Bearer ${stack.adminToken}` }, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { entries: JournalRow[] }).entries;
}

/** Kills gw-1 (SIGKILL); the load balancer (the proxy) sends new connections to gw-2. Resolves with the time of the kill. */
export async function killGateway1(t: TwoGateways): Promise<number> {
  const killedAt = Date.now();
  await t.gw1.stop('SIGKILL');
  t.proxy.retarget({ host: '127.0.0.1', port: Number(t.gw2.env.HTTP_PORT) });
  t.stack.gateway = t.gw2;
  return killedAt;
}
