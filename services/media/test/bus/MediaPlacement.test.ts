// MediaPlacement lives in @ucserver/shared (the gateway and the pbx-adapter use it); it is tested here,
// next to the node that produces the heartbeats, with real NATS and fake heartbeating nodes.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import { BusClient, BusOutageGuard, DEFAULT_SETTLE_MS, MediaNodeHeartbeat, MediaPlacement, NoMediaNodeError, MediaTopics, type BusConnectionState } from '@ucserver/shared';
import { check, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';

/** Connected test buses; closed after the test, once the fake nodes stopped publishing. */
async function connect(t: TestContext, prefix: string, stops: Array<() => void>): Promise<BusClient> {
  const bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'placement-test', logger: testLogger() });
  if (stops.length === 0) t.after(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  stops.push(() => void bus.close());
  return bus;
}

function heartbeat(nodeId: string, over: Partial<MediaNodeHeartbeat> = {}): MediaNodeHeartbeat {
  return { nodeId, addresses: ['127.0.0.1'], workers: 2, workersAlive: 2, calls: 0, legs: 0, load: 0, draining: false, startedAt: 1, at: Date.now(), intervalMs: 100, ...over };
}

/** A fake node publishing a heartbeat every `intervalMs` until stopped. */
function fakeNode(bus: BusClient, hb: () => MediaNodeHeartbeat): { stop(): void } {
  const publish = () => bus.publish(MediaTopics.heartbeat, { ...hb(), at: Date.now() });
  publish();
  const timer = setInterval(publish, hb().intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** A started placement on its own bus, and a bus for fake nodes, on a fresh prefix; `cleanup` runs after the test. */
async function startPlacement(t: TestContext, sweepIntervalMs: number): Promise<{ nodes: BusClient; placement: MediaPlacement; cleanup: Array<() => void> }> {
  const prefix = uniquePrefix();
  const cleanup: Array<() => void> = [];
  const nodes = await connect(t, prefix, cleanup);
  const placement = new MediaPlacement({ bus: await connect(t, prefix, cleanup), sweepIntervalMs });
  cleanup.unshift(() => placement.close());
  placement.start();
  return { nodes, placement, cleanup };
}

/** A placement never started (no subscription): fed through observe(), on an optional clock. */
function unstartedPlacement(t: TestContext, now?: () => number): MediaPlacement {
  const bus = { subjects: { mediaHeartbeat: 'x' } } as unknown as BusClient;
  const placement = new MediaPlacement({ bus, ...(now ? { now } : {}) });
  t.after(() => placement.close());
  return placement;
}

describe('MediaPlacement', { timeout: 20_000 }, () => {
  test('pickSoon() right after start() waits for the first heartbeat; later, or with a node known, it fails at once', async (t) => {
    const { nodes, placement, cleanup } = await startPlacement(t, 50);
    assert.throws(() => placement.pick(), NoMediaNodeError, 'nobody heard yet');
    const t0 = Date.now();
    // A burst of calls right after the start: all wait, on one listener.
    const picked = Array.from({ length: 20 }, () => placement.pickSoon({}, 5000));
    assert.equal(placement.listenerCount('nodeup'), 1);
    await new Promise((r) => setTimeout(r, 150));
    const a = fakeNode(nodes, () => heartbeat('node-a'));
    cleanup.unshift(() => a.stop());
    assert.deepEqual(new Set(await Promise.all(picked)), new Set(['node-a']));
    assert.ok(Date.now() - t0 >= 150, 'it waited for the heartbeat');
    // A node is known but cannot take calls: no waiting.
    a.stop();
    nodes.publish(MediaTopics.heartbeat, { ...heartbeat('node-a'), draining: true, at: Date.now() });
    await check(() => placement.nodes()[0]?.draining === true, 3000, { name: 'node-a draining' });
    const t1 = Date.now();
    await assert.rejects(placement.pickSoon({}, 5000), NoMediaNodeError);
    assert.ok(Date.now() - t1 < 100, 'failed at once');
  });

  test('pickSoon() past the wait after start() fails at once, and the wait is bounded', async (t) => {
    const { placement } = await startPlacement(t, 50);
    const t0 = Date.now();
    await assert.rejects(placement.pickSoon({}, 200), NoMediaNodeError);
    const waited = Date.now() - t0;
    assert.ok(waited >= 150 && waited < 1000, `waited ${waited} ms for a node that never came`);
    const t1 = Date.now();
    await assert.rejects(placement.pickSoon({}, 200), NoMediaNodeError);
    assert.ok(Date.now() - t1 < 50, 'past the start window: at once');
  });

  test('pick() with two live nodes chooses the least loaded, or the one owning preferAddress', async (t) => {
    const { nodes, placement, cleanup } = await startPlacement(t, 50);
    const up = new Set<string>();
    placement.on('nodeup', (n) => up.add(n.nodeId));
    const a = fakeNode(nodes, () => heartbeat('node-a', { addresses: ['192.0.2.1'], load: 0.7, calls: 9 }));
    const b = fakeNode(nodes, () => heartbeat('node-b', { addresses: ['192.0.2.2', '198.51.100.2'], load: 0.2, calls: 3 }));
    cleanup.unshift(() => a.stop(), () => b.stop());
    await check(() => up.size === 2, 3000, { name: 'both nodes up' });
    assert.equal(placement.pick(), 'node-b');
    assert.equal(placement.pick({ preferAddress: '192.0.2.1' }), 'node-a');
    assert.equal(placement.pick({ preferAddress: '198.51.100.2' }), 'node-b');
    assert.equal(placement.pick({ preferAddress: '203.0.113.9' }), 'node-b', 'unknown address: least loaded');
    assert.deepEqual(placement.nodes().map((n) => n.nodeId), ['node-a', 'node-b']);
    assert.ok(placement.node('node-a')!.lastSeen > 0);
  });

  test('a node silent for three intervals is dropped with nodedown, and pick() then fails typed', async (t) => {
    const { nodes, placement, cleanup } = await startPlacement(t, 25);
    const a = fakeNode(nodes, () => heartbeat('node-a', { intervalMs: 100 }));
    cleanup.unshift(() => a.stop());
    await once(placement, 'nodeup', { signal: AbortSignal.timeout(3000) });
    const down = once(placement, 'nodedown', { signal: AbortSignal.timeout(3000) });
    const stoppedAt = Date.now();
    a.stop();
    const [nodeId, reason] = await down;
    assert.deepEqual([nodeId, reason], ['node-a', 'expired']);
    assert.ok(Date.now() - stoppedAt >= 200, 'not before ~3 intervals');
    assert.throws(() => placement.pick(), (err: unknown) => err instanceof NoMediaNodeError && err.code === 'UCS_ERR_MEDIA_NO_NODE');
    assert.deepEqual(placement.nodes(), []);
  });

  test('draining nodes and nodes without live workers are listed but never picked', (t) => {
    let now = 1000;
    const placement = unstartedPlacement(t, () => now);
    placement.observe(heartbeat('node-a', { draining: true, load: 0 }));
    placement.observe(heartbeat('node-b', { workersAlive: 0, load: 0 }));
    placement.observe(heartbeat('node-c', { load: 0.9, addresses: ['192.0.2.3'] }));
    assert.equal(placement.pick({ preferAddress: '127.0.0.1' }), 'node-c');
    assert.equal(placement.nodes().length, 3);
    now += 301;
    assert.throws(() => placement.pick(), NoMediaNodeError);
  });

  test('a node marked unreachable is left out of picks (no nodedown) until its next heartbeat', (t) => {
    const placement = unstartedPlacement(t);
    const down: string[] = [];
    placement.on('nodedown', (id) => down.push(id));
    placement.observe(heartbeat('node-a', { load: 0 }));
    placement.observe(heartbeat('node-b', { load: 0.5 }));
    assert.equal(placement.pick(), 'node-a');
    placement.unreachable('node-a');
    assert.equal(placement.pick(), 'node-b');
    assert.equal(placement.pick({ preferNode: 'node-a' }), 'node-b', 'not even when named');
    assert.equal(placement.nodes().length, 2, 'still listed: its calls end only when it expires');
    assert.deepEqual(down, []);
    placement.unreachable('node-b');
    assert.throws(() => placement.pick(), NoMediaNodeError);
    placement.unreachable('node-x');
    placement.observe(heartbeat('node-a', { load: 0 }));
    assert.equal(placement.pick(), 'node-a', 'back with its next heartbeat');
  });

  test('a node that restarted (new startedAt) emits nodedown restarted then nodeup', (t) => {
    const placement = unstartedPlacement(t);
    const events: string[] = [];
    placement.on('nodeup', (n) => events.push(`up:${n.nodeId}`));
    placement.on('nodedown', (id, reason) => events.push(`down:${id}:${reason}`));
    placement.observe(heartbeat('node-a', { startedAt: 1 }));
    placement.observe(heartbeat('node-a', { startedAt: 1 }));
    placement.observe(heartbeat('node-a', { startedAt: 2 }));
    assert.deepEqual(events, ['up:node-a', 'down:node-a:restarted', 'up:node-a']);
  });

  test('a NATS outage of our own expires no node; after the reconnect silence counts from it plus the settle time', (t) => {
    let now = 1000;
    const bus = new (class extends EventEmitter<{ state: [BusConnectionState] }> {
      connected = true;
      set(state: BusConnectionState): void {
        this.connected = state === 'connected';
        this.emit('state', state);
      }
    })();
    const outage = new BusOutageGuard({ bus, graceMs: 30_000, now: () => now });
    t.after(() => outage.close());
    const placement = new MediaPlacement({ bus: bus as unknown as BusClient, now: () => now, outage });
    t.after(() => placement.close());
    const down: string[] = [];
    placement.on('nodedown', (id, reason) => down.push(`${id}:${reason}`));
    placement.observe(heartbeat('node-a', { intervalMs: 500 }));
    bus.set('reconnecting');
    now += 9_000;
    placement.sweep();
    assert.deepEqual(down, [], 'silent 9 s, but we could not have heard it');
    assert.equal(placement.pick(), 'node-a', 'still placed on (requests tell whether it works)');
    bus.set('connected');
    now += DEFAULT_SETTLE_MS;
    placement.sweep();
    assert.deepEqual(down, [], 'the node may still be reconnecting');
    placement.observe(heartbeat('node-a', { intervalMs: 500 }));
    now += 1_400;
    placement.sweep();
    assert.deepEqual(down, [], 'heard after the reconnect');
    now += 200;
    placement.sweep();
    assert.deepEqual(down, ['node-a:expired'], 'silent for 3 intervals with our bus up: gone');
  });
  test('pick({ preferNode }) takes the named node while it can take calls, else falls back to load', (t) => {
    let now = 1000;
    const placement = unstartedPlacement(t, () => now);
    placement.observe(heartbeat('node-a', { load: 0.1, calls: 1 }));
    placement.observe(heartbeat('node-b', { load: 0.6, calls: 8 }));
    placement.observe(heartbeat('node-d', { load: 0, draining: true }));
    placement.observe(heartbeat('node-w', { load: 0, workersAlive: 0 }));
    const rows: Array<{ name: string; preferNode: string; expected: string }> = [
      { name: 'a live node, though busier', preferNode: 'node-b', expected: 'node-b' },
      { name: 'the least loaded node itself', preferNode: 'node-a', expected: 'node-a' },
      { name: 'an unknown node', preferNode: 'node-zz', expected: 'node-a' },
      { name: 'a draining node', preferNode: 'node-d', expected: 'node-a' },
      { name: 'a node without live workers', preferNode: 'node-w', expected: 'node-a' },
      { name: 'an empty id', preferNode: '', expected: 'node-a' },
      { name: 'garbage', preferNode: '*;call=../../x', expected: 'node-a' },
    ];
    for (const row of rows) assert.equal(placement.pick({ preferNode: row.preferNode }), row.expected, row.name);
    // node-b falls silent (expires after 3 × 100 ms) while node-a keeps beating: no longer preferable.
    now += 250;
    placement.observe(heartbeat('node-a', { load: 0.1, calls: 1 }));
    assert.equal(placement.pick({ preferNode: 'node-b' }), 'node-b', 'not yet expired');
    now += 100;
    placement.observe(heartbeat('node-a', { load: 0.1, calls: 1 }));
    assert.equal(placement.pick({ preferNode: 'node-b' }), 'node-a', 'expired: placed by load');
    now += 301;
    assert.throws(() => placement.pick({ preferNode: 'node-a' }), (err: unknown) => err instanceof NoMediaNodeError && /preferNode:node-a/.test(err.message));
  });

  test('pick({ preferAddress, preferNode }): the named node first, then the least-loaded owner of the address, then load', (t) => {
    const placement = unstartedPlacement(t);
    placement.observe(heartbeat('node-a', { addresses: ['127.0.0.1', '192.0.2.1'], load: 0.5 }));
    placement.observe(heartbeat('node-b', { addresses: ['127.0.0.1'], load: 0.2 }));
    placement.observe(heartbeat('node-c', { addresses: ['198.51.100.3'], load: 0.9 }));
    placement.observe(heartbeat('node-d', { addresses: ['198.51.100.4'], load: 0, draining: true }));
    const rows: Array<{ name: string; preferAddress?: string; preferNode?: string; expected: string }> = [
      { name: 'shared address, no node: least-loaded owner', preferAddress: '127.0.0.1', expected: 'node-b' },
      { name: 'shared address, named owner', preferAddress: '127.0.0.1', preferNode: 'node-a', expected: 'node-a' },
      { name: 'the named node beats the owner of the address (rtpengine on a media node\'s host)', preferAddress: '127.0.0.1', preferNode: 'node-c', expected: 'node-c' },
      { name: 'an unknown address (rtpengine elsewhere): the named node', preferAddress: '203.0.113.7', preferNode: 'node-c', expected: 'node-c' },
      { name: 'unknown node: the owner of the address', preferAddress: '198.51.100.3', preferNode: 'node-x', expected: 'node-c' },
      { name: 'draining named node: the owner of the address', preferAddress: '192.0.2.1', preferNode: 'node-d', expected: 'node-a' },
      { name: 'draining owner, unknown node: least loaded', preferAddress: '198.51.100.4', preferNode: 'node-x', expected: 'node-b' },
    ];
    for (const row of rows) {
      const options = { ...(row.preferAddress !== undefined ? { preferAddress: row.preferAddress } : {}), ...(row.preferNode !== undefined ? { preferNode: row.preferNode } : {}) };
      assert.equal(placement.pick(options), row.expected, row.name);
    }
  });
});

