// CallSnapshots against a real KV bucket: when a call's snapshot is written, rewritten and deleted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { BusClient, createMetricsRegistry, PbxBuckets, type CallEvent, type KvStore, type PbxCallSnapshot, type PbxCallTeardown } from '@ucserver/shared';
import { check, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';
import { CallSnapshots } from '../../src/calls/CallSnapshots.ts';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';

const ev = (callId: string, seq: number, state: CallEvent['state'] = 'connected'): CallEvent => ({
  callId, lineId: 'line-100', lineNumber: '100', seq, at: seq, state, direction: 'inbound', remoteNumber: '101',
});

describe('calls - CallSnapshots with a NATS KV bucket', () => {
  let bus: BusClient;
  let kv: KvStore<typeof PbxCallSnapshot>;
  const metrics = new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter'));
  before(async () => {
    bus = await BusClient.connect({ servers: natsUrl, prefix: uniquePrefix(), name: 'snapshots-test', logger: testLogger() });
    kv = await bus.kv(PbxBuckets.calls, { ttlMs: 60_000 });
  });
  after(async () => {
    const jsm = await jetstreamManager(bus.connection);
    await jsm.streams.delete(bus.subjects.kvStream(PbxBuckets.calls)).catch(() => false);
    await bus.close();
  });

  it('beforeStore() issues the write naming the event; changed() rewrites it; a stored disconnected deletes it', async () => {
    const snapshots = new CallSnapshots({ store: kv, logger: testLogger(), metrics });
    let teardown: PbxCallTeardown = { kind: 'none' };
    snapshots.attach('c1', { owner: () => ({ instanceId: 'gw', startedAt: 1 }), teardown: () => teardown });
    snapshots.changed('c1');
    await snapshots.flush();
    assert.equal(await kv.get('c1'), undefined, 'nothing before the first event');
    await snapshots.beforeStore(ev('c1', 1, 'offering'));
    await snapshots.flush();
    assert.equal((await kv.get('c1'))?.event.seq, 1);
    teardown = { kind: 'reject', response: 'SIP/2.0 480 Temporarily Unavailable\r\n\r\n', destination: { protocol: 'UDP', host: '127.0.0.1', port: 5060 } };
    snapshots.changed('c1');
    await snapshots.flush();
    const written = await kv.get('c1');
    assert.equal(written?.teardown.kind, 'reject');
    assert.deepEqual(written?.owner, { instanceId: 'gw', startedAt: 1 });
    const end = { ...ev('c1', 2, 'disconnected'), cause: 'normal' as const };
    await snapshots.beforeStore(end);
    snapshots.afterStore(end, true);
    await snapshots.flush();
    assert.equal(await kv.get('c1'), undefined);
    assert.equal(snapshots.size, 0);
  });

  it('beforeStore() resolves once the write is issued, not acknowledged; writes go out in order; the delete waits for the last acknowledgement', async () => {
    const log: string[] = [];
    const acks: Array<() => void> = [];
    const store = {
      put: (k: string, v: PbxCallSnapshot) => {
        log.push(`put ${v.event.seq}`);
        return new Promise<void>((resolve) => acks.push(() => kv.put(k, v).then(() => (log.push(`ack ${v.event.seq}`), resolve()))));
      },
      delete: async (k: string) => {
        log.push('delete');
        await kv.delete(k);
      },
    };
    const snapshots = new CallSnapshots({ store, logger: testLogger(), metrics });
    snapshots.attach('c7', { owner: () => undefined, teardown: () => ({ kind: 'none' }) });
    await snapshots.beforeStore(ev('c7', 1, 'offering'));
    assert.deepEqual(log, ['put 1'], 'issued, and resolved without its acknowledgement');
    await snapshots.beforeStore(ev('c7', 2, 'connected'));
    const end = { ...ev('c7', 3, 'disconnected'), cause: 'normal' as const };
    await snapshots.beforeStore(end);
    snapshots.afterStore(end, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(log, ['put 1', 'put 2', 'put 3'], 'each event\'s write issued in order; no delete before the last acknowledgement');
    for (const ack of acks.splice(0)) ack();
    await snapshots.flush();
    assert.equal(log.at(-1), 'delete');
    assert.ok(log.indexOf('ack 3') < log.indexOf('delete'), log.join(', '));
    assert.equal(await kv.get('c7'), undefined);
  });

  it('afterStore() of a disconnected that could not be stored keeps the snapshot for the next recovery', async () => {
    const snapshots = new CallSnapshots({ store: kv, logger: testLogger(), metrics });
    snapshots.attach('c2', { owner: () => undefined, teardown: () => ({ kind: 'none' }) });
    const end = { ...ev('c2', 1, 'disconnected'), cause: 'error' as const };
    await snapshots.beforeStore(end);
    snapshots.afterStore(end, false);
    await snapshots.flush();
    assert.deepEqual((await kv.get('c2'))?.event, end);
    assert.equal(snapshots.size, 0);
    await kv.delete('c2');
  });

  it('detach() of a call that published nothing writes nothing', async () => {
    const snapshots = new CallSnapshots({ store: kv, logger: testLogger(), metrics });
    snapshots.attach('c3', { owner: () => undefined, teardown: () => ({ kind: 'none' }) });
    snapshots.detach('c3');
    await snapshots.beforeStore(ev('c3', 1));
    await snapshots.flush();
    assert.equal(await kv.get('c3'), undefined);
  });

  it('writes that fail, and a teardown that throws, are logged and counted and never throw', async () => {
    const failures = async (): Promise<number> => (await metrics.snapshotWriteFailures.get()).values[0]?.value ?? 0;
    const before = await failures();
    const broken = { put: () => Promise.reject(new Error('bucket full')), delete: () => Promise.reject(new Error('gone')) };
    const snapshots = new CallSnapshots({ store: broken, logger: testLogger(), metrics });
    snapshots.attach('c4', { owner: () => undefined, teardown: () => { throw new Error('bug'); } });
    await snapshots.beforeStore(ev('c4', 1));
    const end = ev('c4', 2, 'disconnected');
    await snapshots.beforeStore(end);
    snapshots.afterStore(end, true);
    await snapshots.flush();
    assert.equal(await failures(), before + 3);
  });
  it('writes nothing when neither the event nor the teardown changed (the owner rides the next write); a dialog change is written once at the end of its turn', async () => {
    const puts: PbxCallSnapshot[] = [];
    const store = { put: (k: string, v: PbxCallSnapshot) => (puts.push(v), kv.put(k, v)), delete: (k: string) => kv.delete(k) };
    const snapshots = new CallSnapshots({ store, logger: testLogger(), metrics });
    let owner: { instanceId: string; startedAt: number } | undefined;
    let teardown: PbxCallTeardown = { kind: 'reject', response: 'SIP/2.0 480 Temporarily Unavailable\r\n\r\n', destination: { protocol: 'UDP', host: '127.0.0.1', port: 5060 } };
    snapshots.attach('c5', { owner: () => owner, teardown: () => teardown });
    await snapshots.beforeStore(ev('c5', 1, 'offering'));
    assert.equal(puts.length, 1);
    owner = { instanceId: 'gw', startedAt: 1 };
    snapshots.changed('c5'); // the gateway took the call
    snapshots.changed('c5'); // the 180's early dialog: the teardown is still the 480
    await new Promise((resolve) => setImmediate(resolve));
    await snapshots.flush();
    assert.equal(puts.length, 1, 'nothing a recovery reads changed');
    teardown = { kind: 'bye', dialog: { role: 'uas', callId: 'sip-c5', localTag: 'a', remoteTag: 'b', localSeq: 1, localUri: '<sip:100@h>', remoteUri: '<sip:101@h>', localTarget: 'sip:100@h', remoteTarget: 'sip:101@h', routeSet: [], secure: false } };
    snapshots.changed('c5'); // our 200
    snapshots.changed('c5'); // and again in the same turn
    assert.equal(puts.length, 1, 'not within the turn');
    await check(() => puts.length === 2, 2000, { name: 'the dialog written at the end of the turn' });
    await snapshots.flush();
    assert.equal(puts.length, 2, 'once for the turn');
    const written = await kv.get('c5');
    assert.equal(written?.teardown.kind, 'bye');
    assert.deepEqual(written?.owner, owner, 'the owner rode on that write');
    // A change and the event of the same turn: one write holding both.
    teardown = { kind: 'none' };
    snapshots.changed('c5');
    const end = { ...ev('c5', 2, 'disconnected'), cause: 'normal' as const };
    await snapshots.beforeStore(end);
    snapshots.afterStore(end, true);
    await snapshots.flush();
    assert.deepEqual(puts.map((p) => [p.event.seq, p.teardown.kind]), [[1, 'reject'], [1, 'bye'], [2, 'none']]);
    assert.equal(await kv.get('c5'), undefined);
  });

  it('a write that failed is not taken for written: the same content is written again', async () => {
    let fail = true;
    let puts = 0;
    const store = { put: async (k: string, v: PbxCallSnapshot) => { puts += 1; if (fail) throw new Error('timeout'); await kv.put(k, v); }, delete: (k: string) => kv.delete(k) };
    const snapshots = new CallSnapshots({ store, logger: testLogger(), metrics });
    snapshots.attach('c6', { owner: () => undefined, teardown: () => ({ kind: 'none' }) });
    await snapshots.beforeStore(ev('c6', 1));
    fail = false;
    snapshots.changed('c6');
    await snapshots.flush();
    assert.equal(puts, 2);
    assert.equal((await kv.get('c6'))?.event.seq, 1);
    await kv.delete('c6');
  });
});
