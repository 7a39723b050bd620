import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { z } from 'zod';
import { BusClient, BusPayloadError, kvBucket, PbxBuckets, PbxCallSnapshot, type KvStore } from '@ucserver/shared';
import { check, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';

const Value = z.object({ name: z.string().max(16), n: z.number().int() });
const bucket = kvBucket('kv-test', Value);

const snapshot: PbxCallSnapshot = {
  event: { callId: 'c-1', lineId: 'l-1', lineNumber: '100', seq: 3, at: 1, state: 'connected', direction: 'outbound', remoteNumber: '101', mediaNodeId: 'media-1' },
  owner: { instanceId: 'gw-1', startedAt: 1000 },
  teardown: {
    kind: 'bye',
    dialog: {
      role: 'uac', callId: 'abc@127.0.0.1', localTag: 'l1', remoteTag: 'r1', localSeq: 2,
      localUri: '"Alice" <sip:100@pbx>', remoteUri: '<sip:101@pbx>', localTarget: 'sip:100@127.0.0.1:5062',
      remoteTarget: 'sip:101@127.0.0.1:5070', routeSet: ['<sip:127.0.0.1:5060;lr>'], secure: false,
    },
  },
  savedAt: 2,
};

describe('bus - KvStore (bus.kv) against the shared NATS server', () => {
  let bus: BusClient;
  let kv: KvStore<typeof Value>;
  before(async () => {
    bus = await BusClient.connect({ servers: natsUrl, prefix: uniquePrefix(), name: 'kv-test', logger: testLogger() });
    kv = await bus.kv(bucket, { ttlMs: 60_000, maxValueBytes: 1024 });
  });
  after(async () => {
    const jsm = await jetstreamManager(bus.connection);
    for (const b of [bucket, PbxBuckets.calls]) await jsm.streams.delete(bus.subjects.kvStream(b)).catch(() => false);
    await bus.close();
  });

  it('put() then get() returns the value; keys() lists it; delete() removes it', async () => {
    await kv.put('k1', { name: 'one', n: 1 });
    await kv.put('k1', { name: 'one', n: 2 });
    await kv.put('k2', { name: 'two', n: 2 });
    assert.deepEqual(await kv.get('k1'), { name: 'one', n: 2 });
    assert.deepEqual((await kv.keys()).sort(), ['k1', 'k2']);
    await kv.delete('k1');
    assert.equal(await kv.get('k1'), undefined);
    assert.deepEqual(await kv.keys(), ['k2']);
    await kv.delete('nothing-here');
  });

  it('put() has its message on the connection when it returns, before any await (what is published next follows it)', async () => {
    const sent = bus.connection.stats().outMsgs;
    const put = kv.put('k-issued', { name: 'issued', n: 1 });
    assert.equal(bus.connection.stats().outMsgs, sent + 1, 'the put was issued synchronously');
    await put;
    assert.deepEqual(await kv.get('k-issued'), { name: 'issued', n: 1 });
    await kv.delete('k-issued');
  });

  it('the bucket is named per prefix and follows the NATS KV layout, bounded by age, bytes and value size', async () => {
    assert.equal(kv.name, `${bus.subjects.prefix.toUpperCase().replace(/-/g, '_')}_KV_TEST`);
    const jsm = await jetstreamManager(bus.connection);
    const info = await jsm.streams.info(`KV_${kv.name}`);
    assert.deepEqual(info.config.subjects, [`$KV.${kv.name}.>`]);
    assert.equal(info.config.max_msgs_per_subject, 1);
    assert.equal(info.config.max_age, 60_000 * 1_000_000);
    assert.ok(info.config.max_bytes > 0, 'bytes bounded');
    assert.ok(info.config.max_msg_size > 0, 'value size bounded');
  });

  it('put() with a value outside the schema rejects with BusPayloadError and stores nothing', async () => {
    await assert.rejects(kv.put('bad', { name: 'x'.repeat(17), n: 1 }), BusPayloadError);
    await assert.rejects(kv.put('bad', { name: 'x', n: 1.5 } as never), BusPayloadError);
    assert.equal(await kv.get('bad'), undefined);
  });

  it('put() of a value above maxValueBytes rejects with BusPayloadError', async () => {
    const big = kvBucket('kv-test', z.object({ name: z.string(), n: z.number() }));
    const loose = await bus.kv(big, { ttlMs: 60_000, maxValueBytes: 1024 });
    await assert.rejects(loose.put('big', { name: 'x'.repeat(2000), n: 1 }), BusPayloadError);
  });

  it('get() of a stored value that no longer matches the schema reads as absent (logged)', async () => {
    const loose = await bus.kv(kvBucket('kv-test', z.object({ name: z.string(), n: z.number() })), { ttlMs: 60_000, maxValueBytes: 1024 });
    await loose.put('drift', { name: 'x'.repeat(40), n: 1 });
    let invalid = 0;
    const onInvalid = (): void => {
      invalid += 1;
    };
    bus.on('invalidpayload', onInvalid);
    try {
      assert.equal(await kv.get('drift'), undefined);
    } finally {
      bus.off('invalidpayload', onInvalid);
    }
    assert.equal(invalid, 1);
  });

  it('get()/put()/delete() with a key that is no subject token throws TypeError', async () => {
    await assert.rejects(kv.put('a.b', { name: 'x', n: 1 }), TypeError);
    await assert.rejects(kv.get('a b'), TypeError);
    await assert.rejects(kv.delete(''), TypeError);
  });

  it('kv() with a TTL below one second throws TypeError', async () => {
    await assert.rejects(bus.kv(bucket, { ttlMs: 10 }), TypeError);
  });

  it('create() stores only when the key is absent: the first wins, the second gets undefined; entry() reads value and revision', async () => {
    const first = await kv.create('cas-1', { name: 'a', n: 1 });
    assert.ok(typeof first === 'number' && first > 0, `a revision (${first})`);
    assert.equal(await kv.create('cas-1', { name: 'b', n: 2 }), undefined, 'the key exists');
    const entry = await kv.entry('cas-1');
    assert.deepEqual(entry?.value, { name: 'a', n: 1 });
    assert.equal(entry?.revision, first);
    assert.ok(Math.abs((entry?.writtenAt ?? 0) - Date.now()) < 10_000, 'the server time of the write');
    assert.equal(await kv.entry('cas-none'), undefined);
  });

  it('update() stores only while the revision is unchanged; a stale revision or an absent key gets undefined', async () => {
    const r1 = (await kv.create('cas-2', { name: 'a', n: 1 }))!;
    const r2 = await kv.update('cas-2', { name: 'a', n: 2 }, r1);
    assert.ok(r2 !== undefined && r2 > r1, 'the new revision');
    assert.equal(await kv.update('cas-2', { name: 'x', n: 9 }, r1), undefined, 'written since r1');
    assert.deepEqual((await kv.entry('cas-2'))?.value, { name: 'a', n: 2 }, 'the stale update changed nothing');
    await kv.put('cas-2', { name: 'p', n: 3 });
    assert.equal(await kv.update('cas-2', { name: 'x', n: 9 }, r2!), undefined, 'a put moved the revision');
    await kv.delete('cas-2');
    assert.equal(await kv.update('cas-2', { name: 'x', n: 9 }, r2!), undefined, 'deleted');
    assert.ok((await kv.create('cas-2', { name: 'again', n: 4 })) !== undefined, 'create after delete');
    await assert.rejects(kv.update('cas-2', { name: 'x', n: 1 }, 0), TypeError);
    await assert.rejects(kv.create('cas-3', { name: 'x'.repeat(17), n: 1 }), BusPayloadError);
  });

  it('of concurrent create() calls exactly one wins; of concurrent update() calls with one revision exactly one wins', async () => {
    const creates = await Promise.all(Array.from({ length: 8 }, (_, i) => kv.create('cas-race', { name: `w${i}`, n: i })));
    assert.equal(creates.filter((r) => r !== undefined).length, 1, JSON.stringify(creates));
    const base = (await kv.entry('cas-race'))!;
    const updates = await Promise.all(Array.from({ length: 8 }, (_, i) => kv.update('cas-race', { name: `u${i}`, n: i }, base.revision)));
    assert.equal(updates.filter((r) => r !== undefined).length, 1, JSON.stringify(updates));
    const winner = updates.findIndex((r) => r !== undefined);
    assert.deepEqual((await kv.entry('cas-race'))?.value, { name: `u${winner}`, n: winner });
  });

  it('create() succeeds once the value expired by the bucket TTL; update() of the expired revision fails', async () => {
    const ttlBucket = kvBucket('kv-test-ttl', Value);
    const short = await bus.kv(ttlBucket, { ttlMs: 1000 });
    try {
      const r1 = (await short.create('lease', { name: 'a', n: 1 }))!;
      assert.equal(await short.create('lease', { name: 'b', n: 2 }), undefined);
      await check(async () => (await short.entry('lease')) === undefined, 5000, { name: 'the entry expired', intervalMs: 100 });
      assert.equal(await short.update('lease', { name: 'a', n: 3 }, r1), undefined, 'expired: the holder cannot renew');
      assert.ok((await short.create('lease', { name: 'b', n: 2 })) !== undefined, 'another takes it');
    } finally {
      const jsm = await jetstreamManager(bus.connection);
      await jsm.streams.delete(bus.subjects.kvStream(ttlBucket)).catch(() => false);
    }
  });

  it('create() replaces a delete marker written by other KV tools', async () => {
    const subject = bus.subjects.kvSubject(bucket, 'cas-tomb');
    await kv.put('cas-tomb', { name: 'a', n: 1 });
    const h = headers();
    h.set('KV-Operation', 'DEL');
    await jetstream(bus.connection).publish(subject, new Uint8Array(), { headers: h });
    assert.equal(await kv.entry('cas-tomb'), undefined);
    assert.ok((await kv.create('cas-tomb', { name: 'b', n: 2 })) !== undefined);
    assert.deepEqual((await kv.entry('cas-tomb'))?.value, { name: 'b', n: 2 });
  });

  it('PbxBuckets.calls round-trips a call snapshot, and refuses one without its event', async () => {
    const calls = await bus.kv(PbxBuckets.calls, { ttlMs: 60_000 });
    await calls.put('c-1', snapshot);
    assert.deepEqual(await calls.get('c-1'), snapshot);
    const { event: _event, ...noEvent } = snapshot;
    await assert.rejects(calls.put('c-2', noEvent as never), BusPayloadError);
    await assert.rejects(calls.put('c-3', { ...snapshot, teardown: { kind: 'cancel', request: '', destination: { protocol: 'UDP', host: 'h', port: 5060 } } }), BusPayloadError);
  });
});

describe('bus - PbxCallSnapshot schema', () => {
  const rows: Array<{ name: string; input: unknown; ok: boolean }> = [
    { name: 'a confirmed dialog', input: snapshot, ok: true },
    { name: 'nothing to send yet', input: { ...snapshot, teardown: { kind: 'none' } }, ok: true },
    { name: 'a pending INVITE to cancel', input: { ...snapshot, teardown: { kind: 'cancel', request: 'CANCEL sip:101@pbx SIP/2.0\r\n\r\n', destination: { protocol: 'UDP', host: '127.0.0.1', port: 5060 } } }, ok: true },
    { name: 'an unknown teardown', input: { ...snapshot, teardown: { kind: 'hope' } }, ok: false },
    { name: 'a route set of 33 entries', input: { ...snapshot, teardown: { kind: 'bye', dialog: { ...(snapshot.teardown as { dialog: object }).dialog, routeSet: Array.from({ length: 33 }, () => '<sip:p;lr>') } } }, ok: false },
    { name: 'a refusal larger than 16 KiB', input: { ...snapshot, teardown: { kind: 'reject', response: 'x'.repeat(16_385), destination: { protocol: 'TCP', host: 'h', port: 5060 } } }, ok: false },
    { name: 'an owner without startedAt', input: { ...snapshot, owner: { instanceId: 'gw' } }, ok: false },
  ];
  for (const row of rows) {
    it(`PbxCallSnapshot with ${row.name} ${row.ok ? 'parses' : 'is refused'}`, () => {
      assert.equal(PbxCallSnapshot.safeParse(row.input).success, row.ok);
    });
  }
});
