import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { z } from 'zod';
import {
  BusClient,
  BusNoRespondersError,
  BusPayloadError,
  BusRemoteError,
  BusTimeoutError,
  CallTopics,
  command,
  createLogger,
  type CallEvent,
  InvalidStateError,
  UcsError,
} from '@ucserver/shared';
import { check, deleteTestStream, Latch, NatsServer, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';

const EchoRequest = z.object({ text: z.string() });
const EchoReply = z.object({ text: z.string(), n: z.number() });
const Echo = command('pbx', 'echo', EchoRequest, EchoReply);
const Fail = command('pbx', 'fail', EchoRequest, EchoReply);
const Fail2 = command('pbx', 'fail2', EchoRequest, EchoReply);
const Strict = command('pbx', 'strict', EchoRequest, EchoReply);
const Nobody = command('pbx', 'nobody', EchoRequest, EchoReply);
const Slow = command('pbx', 'slow', EchoRequest, EchoReply);
const NodeEcho = command('media', 'echo', EchoRequest, EchoReply);

async function client(prefix = uniquePrefix(), servers = natsUrl): Promise<BusClient> {
  return BusClient.connect({ servers, prefix, name: 'test', logger: testLogger(), requestTimeoutMs: 1000, reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 });
}

function callEvent(seq: number, callId = 'c1'): CallEvent {
  return { callId, lineId: 'l1', lineNumber: '100', seq, at: Date.now(), state: 'dialing', direction: 'outbound', remoteNumber: '101' };
}

describe('bus - BusClient against the shared NATS server', () => {
  let bus: BusClient;
  before(async () => {
    bus = await client();
  });
  after(async () => {
    await bus.close();
    await deleteTestStream(bus.subjects.prefix);
  });

  it('request() to a served command returns the validated reply', async () => {
    const sub = bus.pbx.serve(Echo, ({ text }) => ({ text: text.toUpperCase(), n: text.length }));
    try {
      assert.deepEqual(await bus.pbx.request(Echo, { text: 'abc' }), { text: 'ABC', n: 3 });
    } finally {
      sub.unsubscribe();
    }
  });

  it('request() whose handler throws a UcsError rejects with BusRemoteError carrying the code', async () => {
    const sub = bus.pbx.serve(Fail, () => {
      throw new UcsError('UCS_ERR_TEST_NOPE', 'nope [callId:c1]');
    });
    try {
      await assert.rejects(bus.pbx.request(Fail, { text: 'x' }), (err: unknown) => {
        assert.ok(err instanceof BusRemoteError);
        assert.equal(err.remoteCode, 'UCS_ERR_TEST_NOPE');
        assert.match(err.message, /nope \[callId:c1\]/);
        return true;
      });
      // the service still answers the next request
      const sub2 = bus.pbx.serve(Fail2, ({ text }) => ({ text, n: 1 }));
      assert.equal((await bus.pbx.request(Fail2, { text: 'y' })).text, 'y');
      sub2.unsubscribe();
    } finally {
      sub.unsubscribe();
    }
  });

  it('request() with a payload that violates the schema throws BusPayloadError before sending', async () => {
    await assert.rejects(bus.pbx.request(Echo, { text: 5 } as never), BusPayloadError);
  });

  it('serve() answers a malformed request with UCS_ERR_BUS_PAYLOAD_INVALID and counts it', async () => {
    const subject = bus.subjects.command(Strict);
    let calls = 0;
    const sub = bus.pbx.serve(Strict, ({ text }) => {
      calls += 1;
      return { text, n: 0 };
    });
    const invalid = once(bus, 'invalidpayload', { signal: AbortSignal.timeout(2000) });
    try {
      const reply = await bus.connection.request(subject, new TextEncoder().encode('{"text":42}'), { timeout: 1000 });
      assert.deepEqual(reply.json(), { ok: false, error: { code: 'UCS_ERR_BUS_PAYLOAD_INVALID', message: `invalid request on '${subject}'` } });
      const [badSubject] = await invalid;
      assert.equal(badSubject, subject);
      assert.equal(calls, 0);
    } finally {
      sub.unsubscribe();
    }
  });

  it('request() with nobody serving rejects with BusNoRespondersError', async () => {
    await assert.rejects(bus.pbx.request(Nobody, { text: 'x' }), BusNoRespondersError);
  });

  it('request() to a handler slower than the timeout rejects with BusTimeoutError', async () => {
    const gate = Promise.withResolvers<void>();
    const sub = bus.pbx.serve(Slow, async ({ text }) => {
      await gate.promise;
      return { text, n: 0 };
    });
    try {
      await assert.rejects(bus.pbx.request(Slow, { text: 'x' }, { timeoutMs: 150 }), BusTimeoutError);
    } finally {
      gate.resolve();
      sub.unsubscribe();
    }
  });

  it('subscribe() drops malformed events, delivers valid ones in order', async () => {
    const subject = bus.subjects.topic(CallTopics.event, callEvent(1));
    const seen: number[] = [];
    const latch = new Latch(3, 2000, 'three valid events');
    const invalid: string[] = [];
    const onInvalid = (s: string, m: string): void => void invalid.push(`${s}: ${m}`);
    bus.on('invalidpayload', onInvalid);
    const sub = bus.subscribe(CallTopics.event, async (e) => {
      // a slow first handler must not let later events overtake it (serial mode)
      if (e.seq === 1) await new Promise((r) => setTimeout(r, 30));
      seen.push(e.seq);
      latch.unlock();
    });
    try {
      bus.publish(CallTopics.event, callEvent(1));
      bus.connection.publish(subject, 'not json');
      bus.connection.publish(subject, JSON.stringify({ ...callEvent(9), state: 'exploded' }));
      bus.publish(CallTopics.event, callEvent(2));
      bus.publish(CallTopics.event, callEvent(3));
      await latch.done;
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(invalid.length, 2);
      assert.match(invalid[1]!, /state/);
    } finally {
      bus.off('invalidpayload', onInvalid);
      sub.unsubscribe();
    }
  });

  it('subscribe() with its handler backlog full drops the next event and says so (dropped, with the subscription\'s subject and topic)', async () => {
    const small = await BusClient.connect({ servers: natsUrl, prefix: bus.subjects.prefix, name: 'small-backlog', logger: testLogger(), maxQueuedPerSubscription: 2 });
    const dropped: unknown[] = [];
    small.on('dropped', (s, topic) => void dropped.push([s, topic]));
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const seen: number[] = [];
    const latch = new Latch(2, 3000, 'the two events the backlog held');
    const sub = small.subscribe(CallTopics.event, async (e) => {
      await held;
      seen.push(e.seq);
      latch.unlock();
    });
    try {
      await small.connection.flush();
      for (const seq of [1, 2, 3]) bus.publish(CallTopics.event, callEvent(seq));
      await check(() => dropped.length === 1 || undefined, 3000, { name: 'the third event dropped' });
      assert.deepEqual(dropped, [[small.subjects.topicFilter(CallTopics.event), CallTopics.event]]);
      release();
      await latch.done;
      assert.deepEqual(seen, [1, 2]);
    } finally {
      sub.unsubscribe();
      await small.close();
    }
  });

  it('publishDurable() + consume() deliver every event to a durable consumer, also after it restarts', async () => {
    await bus.ensureCallStream({ maxAgeMs: 60_000 });
    const received: number[] = [];
    const first = new Latch(2, 5000, 'first two');
    const options = { durable: 'journal-test' };
    let consumer = await bus.consume(options, [CallTopics.event, CallTopics.media], (e) => {
      assert.ok('seq' in e);
      received.push(e.seq);
      first.unlock();
    });
    await bus.publishDurable(CallTopics.event, callEvent(1, 'd1'));
    await bus.publishDurable(CallTopics.event, callEvent(2, 'd1'));
    await first.done;
    consumer.stop();
    // published while nobody consumes: the restarted durable consumer must still get them
    await bus.publishDurable(CallTopics.event, callEvent(3, 'd1'));
    await bus.publishDurable(CallTopics.event, callEvent(4, 'd1'));
    const second = new Latch(2, 5000, 'the two published while stopped');
    consumer = await bus.consume(options, [CallTopics.event, CallTopics.media], (e) => {
      assert.ok('seq' in e);
      received.push(e.seq);
      second.unlock();
    });
    await second.done;
    consumer.stop();
    assert.deepEqual(received, [1, 2, 3, 4]);
  });

  it('consume() redelivers a message whose handler failed', async () => {
    await bus.ensureCallStream({ maxAgeMs: 60_000 });
    let attempts = 0;
    const done = new Latch(1, 5000, 'redelivery');
    const consumer = await bus.consume({ durable: 'retry-test', key: 'l9', retryDelayMs: 50 }, [CallTopics.event], () => {
      attempts += 1;
      if (attempts === 1) throw new Error('transient');
      done.unlock();
    });
    await bus.publishDurable(CallTopics.event, { ...callEvent(1, 'r1'), lineId: 'l9' });
    await done.done;
    consumer.stop();
    assert.equal(attempts, 2);
  });

  it('consume() with inFlight starts handlers in delivery order without waiting, at most inFlight unsettled, and acks each when it settles', async () => {
    await bus.ensureCallStream({ maxAgeMs: 60_000 });
    const started: number[] = [];
    const settle: Array<() => void> = [];
    const options = { durable: 'inflight-test', key: 'l7', inFlight: 3, retryDelayMs: 50 };
    let consumer = await bus.consume(options, [CallTopics.event], (e) => {
      started.push(e.seq);
      return new Promise<void>((resolve) => settle.push(resolve));
    });
    for (let seq = 1; seq <= 5; seq++) await bus.publishDurable(CallTopics.event, { ...callEvent(seq, 'f1'), lineId: 'l7' });
    await check(() => started.length === 3, 5000, { name: 'three handlers running', intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(started, [1, 2, 3], 'no fourth handler while three are unsettled');
    settle[1]!();
    await check(() => started.length === 4, 5000, { name: 'a fourth once one settled', intervalMs: 20 });
    for (const s of settle) s();
    await check(() => started.length === 5, 5000, { name: 'the fifth', intervalMs: 20 });
    settle[4]!();
    await check(async () => (await consumer.pending()) === 0, 5000, { name: 'all five acknowledged', intervalMs: 50 });
    consumer.stop();
    assert.deepEqual(started, [1, 2, 3, 4, 5]);
    // Acknowledged, so a restarted consumer gets nothing again.
    const again: number[] = [];
    consumer = await bus.consume(options, [CallTopics.event], (e) => void again.push(e.seq));
    await new Promise((r) => setTimeout(r, 300));
    consumer.stop();
    assert.deepEqual(again, []);
  });

  it('consume() with a short ackWaitMs keeps a slow handler\'s message by progress acks; one a closed client held comes to the next consumer after the ack wait', async () => {
    await bus.ensureCallStream({ maxAgeMs: 60_000 });
    const options = { durable: 'ackwait-test', key: 'l6', inFlight: 4, ackWaitMs: 1000 };
    // A handler 3.5 ack waits long: delivered once, acknowledged when it settles.
    const deliveries: number[] = [];
    let release!: () => void;
    const slow = await bus.consume(options, [CallTopics.event], (e) => {
      deliveries.push(e.seq);
      return new Promise<void>((resolve) => (release = resolve));
    });
    await bus.publishDurable(CallTopics.event, { ...callEvent(1, 'a1'), lineId: 'l6' });
    await check(() => deliveries.length === 1, 5000, { name: 'delivered', intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 3500));
    assert.deepEqual(deliveries, [1], 'not delivered again while its handler runs');
    release();
    await check(async () => (await slow.pending()) === 0, 5000, { name: 'acknowledged', intervalMs: 50 });
    slow.stop();

    // Another client of the durable receives a message and dies with it (its connection closed, no ack).
    const other = await BusClient.connect({ servers: natsUrl, prefix: bus.subjects.prefix, name: 'dying', logger: testLogger() });
    let held = false;
    await other.consume(options, [CallTopics.event], () => {
      held = true;
      return new Promise<void>(() => undefined);
    });
    await bus.publishDurable(CallTopics.event, { ...callEvent(2, 'a1'), lineId: 'l6' });
    await check(() => held, 5000, { name: 'the dying client holds it', intervalMs: 20 });
    await other.close();
    const closedAt = Date.now();
    let redeliveredAfter = 0;
    const next = await bus.consume(options, [CallTopics.event], (e) => {
      if (e.seq === 2) redeliveredAfter = Date.now() - closedAt;
    });
    await check(() => redeliveredAfter > 0, 10_000, { name: 'the held message at the next consumer', intervalMs: 20 });
    next.stop();
    assert.ok(redeliveredAfter < 1000 + 1500, `came ${redeliveredAfter} ms after the close (ack wait 1000 ms)`);
  });

  // Found by the fuzz suite: a media event of a call that never got a journal row was retried 20 times
  // per event, each one an error record with a stack (40 for one cancelled INVITE).
  it('consume() logs an expected wait at debug while retrying and once at warn when it gives up, never at error', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    } });
    const prefix = uniquePrefix();
    const logged = await BusClient.connect({ servers: natsUrl, prefix, name: 'test', logger: createLogger({ service: 'test', level: 'debug', destination: sink }) });
    class Wait extends Error {}
    try {
      await logged.ensureCallStream({ maxAgeMs: 60_000 });
      let attempts = 0;
      const consumer = await logged.consume({ durable: 'expected-test', key: 'l8', retryDelayMs: 20, maxDeliver: 3, expected: (e) => e instanceof Wait }, [CallTopics.event], () => {
        attempts += 1;
        throw new Wait('not yet');
      });
      await logged.publishDurable(CallTopics.event, { ...callEvent(1, 'w1'), lineId: 'l8' });
      await check(() => attempts === 3 && lines.some((l) => l.level === 40), 5000, { name: 'three deliveries and the give-up', intervalMs: 20 });
      consumer.stop();
      assert.deepEqual(lines.filter((l) => l.level >= 50).map((l) => l.msg), []);
      assert.equal(lines.filter((l) => l.msg === 'durable handler waiting; delivered again later').length, 2);
      assert.equal(lines.filter((l) => l.level === 40 && l.msg === 'durable handler still waiting; message given up').length, 1);
    } finally {
      await logged.close();
      await deleteTestStream(prefix);
    }
  });

  it('media(nodeId) addresses one node: another node does not answer', async () => {
    const sub = bus.media('node-a').serve(NodeEcho, ({ text }) => ({ text, n: 1 }));
    try {
      assert.equal((await bus.media('node-a').request(NodeEcho, { text: 'a' })).n, 1);
      await assert.rejects(bus.media('node-b').request(NodeEcho, { text: 'b' }), BusNoRespondersError);
    } finally {
      sub.unsubscribe();
    }
  });

  it("request() of a command through another namespace's peer throws TypeError", async () => {
    await assert.rejects(bus.cti.request(Echo as never, { text: 'x' } as never), TypeError);
  });

  it('serveTable() serves each command of a table and reports failures to onError before answering', async () => {
    const Table = { echo: Echo, fail: Fail } as const;
    const failures: string[] = [];
    const subs = bus.pbx.serveTable(Table, {
      echo: ({ text }) => ({ text, n: 2 }),
      fail: () => {
        throw new UcsError('UCS_ERR_TEST_NOPE', 'nope');
      },
    }, { onError: (name, _request, err) => failures.push(`${name}:${(err as UcsError).code}`) });
    try {
      assert.equal((await bus.pbx.request(Echo, { text: 'e' })).n, 2);
      await assert.rejects(bus.pbx.request(Fail, { text: 'f' }), (err: unknown) => err instanceof BusRemoteError && err.remoteCode === 'UCS_ERR_TEST_NOPE');
      assert.deepEqual(failures, ['fail:UCS_ERR_TEST_NOPE']);
    } finally {
      for (const sub of subs) sub.unsubscribe();
    }
  });

  it("publish() of a payload outside its topic's schema throws BusPayloadError and sends nothing", () => {
    assert.throws(() => bus.publish(CallTopics.event, { ...callEvent(1), state: 'exploded' } as never), BusPayloadError);
  });

  it('publish() after close() throws InvalidStateError, close() twice is a no-op', async () => {
    const other = await client();
    await other.close();
    await other.close();
    assert.throws(() => other.publish(CallTopics.event, callEvent(1)), InvalidStateError);
    assert.equal(other.state, 'closed');
  });
});

describe('bus - BusClient reconnect', { timeout: 30_000 }, () => {
  it('disconnect reconnects: state follows the server, requests work again after restart', async () => {
    const server = await NatsServer.start();
    const bus = await client(uniquePrefix(), server.url);
    try {
      assert.equal(bus.state, 'connected');
      bus.pbx.serve(Echo, ({ text }) => ({ text, n: 0 }));
      const down = once(bus, 'state', { signal: AbortSignal.timeout(5000) });
      await server.stop();
      assert.deepEqual(await down, ['reconnecting']);
      assert.equal(bus.connected, false);
      const up = check(() => bus.connected, 10_000, { name: 'bus reconnected' });
      await server.restart();
      await up;
      // subscriptions are re-established by the client on reconnect
      const reply = await check(() => bus.pbx.request(Echo, { text: 'back' }).catch(() => undefined), 5000, { name: 'echo after reconnect' });
      assert.equal(reply.text, 'back');
    } finally {
      await bus.close();
      await server.dispose();
    }
  });

  it('connect() to a server that is not yet up waits and succeeds once it starts', async () => {
    const server = await NatsServer.start();
    const url = server.url;
    await server.stop();
    const pending = client(uniquePrefix(), url);
    // nothing listens now; start it after the client began retrying
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();
    const bus = await pending;
    try {
      assert.equal(bus.connected, true);
    } finally {
      await bus.close();
      await server.dispose();
    }
  });
});
