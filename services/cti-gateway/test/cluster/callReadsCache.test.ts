// What a call reads from the database, with two gateways on one PostgreSQL database and one bus (the
// machine's NATS): the callee's line and routing (the incoming-call verdict) and the caller's own lines come
// from memory after the first call, an admin's change through a gateway counts there at once, and one made
// through the other gateway counts once its `gateway.changed` notice arrived. Statements are counted by
// each gateway's database handle (`ucserver_cti_gateway_db_queries_total`). Last, a change made through a
// gateway cut off from the bus reaches the other one when it is back (its notice was kept).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CtiCommands, GatewayTopics, type BusClient } from '@ucserver/shared';
import { dbSchema } from '@ucserver/shared/db';
import { eq } from 'drizzle-orm';
import { check, createTestDatabase, natsUrl, TcpProxy, uniquePrefix } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { peerBus, startGateway } from '../support.ts';

const ADMIN = { authorization: 'Bearer reads-admin-token' };
const NODE = 'node-reads';

describe('a call\'s line and routing reads, two gateways on one database', { timeout: 120_000 }, () => {
  let db: { url: string; drop(): Promise<void> };
  let gwA: GatewayApp;
  let gwB: GatewayApp;
  let pbx: BusClient;
  let lineId = '';
  let userId = '';
  let n = 0;

  before(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, BUS_PREFIX: uniquePrefix(), ADMIN_TOKEN: 'reads-admin-token', GATEWAY_HEARTBEAT_INTERVAL_MS: '500' };
    gwA = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-a' });
    gwB = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-b' });
    pbx = await peerBus(gwA);
    userId = (await gwA.context.users.create({ login: 'dave', password: 'dave-pw' })).id;
    lineId = (await gwA.context.lines.create({ number: '201', registrar: '127.0.0.1:5060', ownerLogin: 'dave' })).id;
    // Each gateway hears the other's heartbeat first: the verdicts take the cluster's path (gw-a decides, gw-b 600 ms later).
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(async () => {
    await pbx?.close();
    await gwB?.stop();
    await gwA?.stop();
    await db?.drop();
  });

  /** The pbx-adapter's "an INVITE arrived for line 201" (both gateways hear it; gw-a, the first by id, answers first). */
  const incoming = () => pbx.cti.request(CtiCommands.incomingCall, { callId: `reads-${++n}`, lineId, from: '555', to: '201', mediaNodeId: NODE });
  const queries = (app: GatewayApp): number => app.context.database.queries;
  const putRouting = async (app: GatewayApp, body: object): Promise<void> => {
    const res = await app.http.inject({ method: 'PUT', url: '/api/v1/lines/201/routing', headers: ADMIN, payload: body });
    assert.equal(res.statusCode, 200, res.body);
  };
  /**
   * Statements each gateway sent while `fn` ran, the other gateway's verdict settled too: gw-b reads the
   * routing when it decides, 600 ms after the request, so the window stays open well past that (a stall of
   * the test process must not move that read into the next window).
   */
  const counted = async <T>(fn: () => Promise<T>): Promise<{ result: T; a: number; b: number }> => {
    const a0 = queries(gwA);
    const b0 = queries(gwB);
    const result = await fn();
    await new Promise((r) => setTimeout(r, 1500));
    return { result, a: queries(gwA) - a0, b: queries(gwB) - b0 };
  };

  it('the second call reads neither the line nor its routing from the database (either gateway)', async () => {
    assert.equal(gwA.context.database.kind, 'postgres');
    const first = await counted(() => incoming());
    assert.deepEqual(first.result, { accept: false, reason: 'no-client' });
    assert.ok(first.a >= 1 && first.b >= 1, `the first call reads the routing on each gateway (gw-a ${first.a}, gw-b ${first.b})`);
    const second = await counted(() => incoming());
    assert.deepEqual(second.result, { accept: false, reason: 'no-client' });
    assert.equal(second.a, 0, 'gw-a read the database for the second call');
    assert.equal(second.b, 0, 'gw-b read the database for the second call');
  });

  it('an admin\'s DND through gw-a counts on gw-a at once', async () => {
    // gw-b re-reads the row when gw-a's notice arrives, which may be after gw-a's own verdict: that read
    // must fall before the statements are counted (on a loaded machine it once fell inside).
    const heardOnB = new Promise<void>((resolve) => {
      const on = (id: string): void => {
        if (id !== lineId) return;
        gwB.context.routing.off('changed', on);
        resolve();
      };
      gwB.context.routing.on('changed', on);
    });
    await putRouting(gwA, { dnd: true });
    // No wait, no notice: gw-a's own write replaced its cached routing.
    assert.deepEqual(await incoming(), { accept: false, reason: 'dnd' });
    await heardOnB;
    const again = await counted(() => incoming());
    assert.deepEqual(again.result, { accept: false, reason: 'dnd' });
    assert.equal(again.a, 0, 'what gw-a wrote is what it serves');
    assert.equal(again.b, 0, 'gw-b read the row once, for the notice');
  });

  it('a forward set through gw-b counts on gw-a once gw-b\'s notice arrived (well inside the 5 s bound)', async () => {
    const t0 = Date.now();
    await putRouting(gwB, { dnd: false, forwards: [{ mode: 'immediate', destination: '300' }] });
    const seen = await check(async () => {
      const state = await gwA.context.routing.get(lineId);
      return state.forwards.length === 1 ? Date.now() - t0 : undefined;
    }, 3000, { name: 'gw-a serves the forward gw-b set', intervalMs: 20 });
    assert.ok(seen < 3000);
    assert.deepEqual(await incoming(), { accept: false, reason: 'redirect', target: '300', mode: 'immediate' });
    const again = await counted(() => incoming());
    assert.equal(again.a, 0, 'gw-a read the row once, for the notice');
    await putRouting(gwB, { forwards: [] });
    await check(async () => (await gwA.context.routing.get(lineId)).forwards.length === 0 || undefined, 3000, { name: 'forward removed on gw-a' });
  });

  it('a change notice dropped on a full backlog empties gw-a\'s caches: a row changed without a notice counts at once', async () => {
    const dnd = (value: boolean) => gwA.context.database.db.update(dbSchema.lineRouting).set({ dnd: value }).where(eq(dbSchema.lineRouting.lineId, lineId));
    // A change no notice announces: DND written straight into the database.
    await dnd(true);
    try {
      assert.equal((await gwA.context.routing.get(lineId)).dnd, false, 'gw-a serves its cached routing');
      // What BusClient emits when the gateway.changed subscription's backlog was full (BusClient.test covers that).
      gwA.bus!.emit('dropped', gwA.bus!.subjects.topicFilter(GatewayTopics.changed), GatewayTopics.changed);
      assert.equal((await gwA.context.routing.get(lineId)).dnd, true, 'gw-a reads the routing again');
    } finally {
      await dnd(false);
      gwA.bus!.emit('dropped', gwA.bus!.subjects.topicFilter(GatewayTopics.changed), GatewayTopics.changed);
    }
    assert.equal((await gwA.context.routing.get(lineId)).dnd, false);
  });

  it('the caller\'s own lines: read once, and a line disabled through gw-b is seen by gw-a after the notice', async () => {
    assert.deepEqual((await gwA.context.lines.ownedBy(userId)).map((l) => [l.number, l.enabled]), [['201', true]]);
    const again = await counted(() => gwA.context.lines.ownedBy(userId));
    assert.equal(again.a, 0);
    const res = await gwB.http.inject({ method: 'PATCH', url: '/api/v1/lines/201', headers: ADMIN, payload: { enabled: false } });
    assert.equal(res.statusCode, 200, res.body);
    await check(async () => ((await gwA.context.lines.ownedBy(userId))[0]?.enabled === false) || undefined, 3000, { name: 'gw-a sees line 201 disabled', intervalMs: 20 });
    // The verdict's line lookup too: a disabled line is unknown to calls.
    assert.deepEqual(await incoming(), { accept: false, reason: 'unknown-line' });
  });
});

describe('a change made while a gateway\'s bus is down', { timeout: 120_000 }, () => {
  it('is announced once it is back: the other gateway, which kept the line\'s routing, then serves it', async () => {
    const db = await createTestDatabase();
    const nats = new URL(natsUrl);
    const proxy = await TcpProxy.start({ host: nats.hostname, port: Number(nats.port || 4222) });
    const env = { DATABASE_URL: db.url, BUS_PREFIX: uniquePrefix(), ADMIN_TOKEN: 'reads-admin-token', GATEWAY_HEARTBEAT_INTERVAL_MS: '500' };
    const apps: GatewayApp[] = [];
    try {
      const gwA = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-a' });
      apps.push(gwA);
      // gw-b reaches NATS through the proxy only: cutting it cuts gw-b alone off.
      const gwB = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-b', NATS_URL: proxy.natsUrl });
      apps.push(gwB);
      await gwA.context.users.create({ login: 'erin', password: 'erin-pw' });
      const lineId = (await gwA.context.lines.create({ number: '301', registrar: '127.0.0.1:5060', ownerLogin: 'erin' })).id;
      assert.equal((await gwA.context.routing.get(lineId)).dnd, false);
      const ready = async (app: GatewayApp): Promise<number> => (await app.http.inject({ method: 'GET', url: '/readyz' })).statusCode;

      proxy.cut();
      await check(async () => (await ready(gwB)) === 503 || undefined, 10_000, { name: 'gw-b knows its bus is down' });
      const res = await gwB.http.inject({ method: 'PUT', url: '/api/v1/lines/301/routing', headers: ADMIN, payload: { dnd: true } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await gwA.context.routing.get(lineId)).dnd, false, 'gw-a has heard nothing yet (its cached routing)');

      proxy.restore();
      // gw-b's reconnect backoff is at most 5 s; its kept notice goes out as soon as it is connected.
      await check(async () => (await gwA.context.routing.get(lineId)).dnd || undefined, 12_000, { name: 'gw-a serves the DND gw-b set while cut off', intervalMs: 50 });
    } finally {
      for (const app of apps.reverse()) await app.stop();
      await proxy.close();
      await db.drop();
    }
  });
});
