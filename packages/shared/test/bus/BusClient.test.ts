import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { z } from 'zod';
import {
  BusClient,
  BusNoRespondersError,
  BusPayloadError,
  BusRemoteError,
  BusTimeoutError,
  CallEvent,
  command,
  InvalidStateError,
  UcsError,
} from '@ucserver/shared';
import { check, deleteTestStream, Latch, NatsServer, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';

const Echo = command('echo', z.object({ text: z.string() }), z.object({ text: z.string(), n: z.number() }));

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
    const subject = `${bus.subjects.prefix}.echo`;
    const sub = bus.serve(subject, Echo, ({ text }) => ({ text: text.toUpperCase(), n: text.length }));
    try {
      assert.deepEqual(await bus.request(subject, Echo, { text: 'abc' }), { text: 'ABC', n: 3 });
    } finally {
      sub.unsubscribe();
    }
  });

  it('request() whose handler throws a UcsError rejects with BusRemoteError carrying the code', async () => {
    const subject = `${bus.subjects.prefix}.fail`;
    const sub = bus.serve(subject, Echo, () => {
      throw new UcsError('UCS_ERR_TEST_NOPE', 'nope [callId:c1]');
    });
    try {
      await assert.rejects(bus.request(subject, Echo, { text: 'x' }), (err: unknown) => {
        assert.ok(err instanceof BusRemoteError);
        assert.equal(err.remoteCode, 'UCS_ERR_TEST_NOPE');
        assert.match(err.message, /nope \[callId:c1\]/);
        return true;
      });
      // the service still answers the next request
      const sub2 = bus.serve(`${subject}2`, Echo, ({ text }) => ({ text, n: 1 }));
      assert.equal((await bus.request(`${subject}2`, Echo, { text: 'y' })).text, 'y');
      sub2.unsubscribe();
    } finally {
      sub.unsubscribe();
    }
  });

  it('request() with a payload that violates the schema throws BusPayloadError before sending', async () => {
    await assert.rejects(bus.request(`${bus.subjects.prefix}.x`, Echo, { text: 5 } as never), BusPayloadError);
  });

  it('serve() answers a malformed request with UCS_ERR_BUS_PAYLOAD_INVALID and counts it', async () => {
    const subject = `${bus.subjects.prefix}.strict`;
    let calls = 0;
    const sub = bus.serve(subject, Echo, ({ text }) => {
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
    await assert.rejects(bus.request(`${bus.subjects.prefix}.nobody`, Echo, { text: 'x' }), BusNoRespondersError);
  });

  it('request() to a handler slower than the timeout rejects with BusTimeoutError', async () => {
    const subject = `${bus.subjects.prefix}.slow`;
    const gate = Promise.withResolvers<void>();
    const sub = bus.serve(subject, Echo, async ({ text }) => {
      await gate.promise;
      return { text, n: 0 };
    });
    try {
      await assert.rejects(bus.request(subject, Echo, { text: 'x' }, { timeoutMs: 150 }), BusTimeoutError);
    } finally {
      gate.resolve();
      sub.unsubscribe();
    }
  });

  it('subscribe() drops malformed events, delivers valid ones in order', async () => {
    const subject = bus.subjects.callEvent('l1');
    const seen: number[] = [];
    const latch = new Latch(3, 2000, 'three valid events');
    const invalid: string[] = [];
    const onInvalid = (s: string, m: string): void => void invalid.push(`${s}: ${m}`);
    bus.on('invalidpayload', onInvalid);
    const sub = bus.subscribe(subject, CallEvent, async (e) => {
      // a slow first handler must not let later events overtake it (serial mode)
      if (e.seq === 1) await new Promise((r) => setTimeout(r, 30));
      seen.push(e.seq);
      latch.unlock();
    });
    try {
      bus.publish(subject, CallEvent, callEvent(1));
      bus.connection.publish(subject, 'not json');
      bus.connection.publish(subject, JSON.stringify({ ...callEvent(9), state: 'exploded' }));
      bus.publish(subject, CallEvent, callEvent(2));
      bus.publish(subject, CallEvent, callEvent(3));
      await latch.done;
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(invalid.length, 2);
      assert.match(invalid[1]!, /state/);
    } finally {
      bus.off('invalidpayload', onInvalid);
      sub.unsubscribe();
    }
  });

  it('publishDurable() + consume() deliver every event to a durable consumer, also after it restarts', async () => {
    await bus.ensureStream({ name: bus.subjects.callStream, subjects: bus.subjects.callStreamSubjects, maxAgeMs: 60_000 });
    const subject = bus.subjects.callEvent('l1');
    const received: number[] = [];
    const first = new Latch(2, 5000, 'first two');
    const options = { stream: bus.subjects.callStream, durable: 'journal-test', filterSubject: `${bus.subjects.prefix}.calls.>` };
    let consumer = await bus.consume(options, CallEvent, (e) => {
      received.push(e.seq);
      first.unlock();
    });
    await bus.publishDurable(subject, CallEvent, callEvent(1, 'd1'));
    await bus.publishDurable(subject, CallEvent, callEvent(2, 'd1'));
    await first.done;
    consumer.stop();
    // published while nobody consumes: the restarted durable consumer must still get them
    await bus.publishDurable(subject, CallEvent, callEvent(3, 'd1'));
    await bus.publishDurable(subject, CallEvent, callEvent(4, 'd1'));
    const second = new Latch(2, 5000, 'the two published while stopped');
    consumer = await bus.consume(options, CallEvent, (e) => {
      received.push(e.seq);
      second.unlock();
    });
    await second.done;
    consumer.stop();
    assert.deepEqual(received, [1, 2, 3, 4]);
  });

  it('consume() redelivers a message whose handler failed', async () => {
    await bus.ensureStream({ name: bus.subjects.callStream, subjects: bus.subjects.callStreamSubjects, maxAgeMs: 60_000 });
    let attempts = 0;
    const done = new Latch(1, 5000, 'redelivery');
    const consumer = await bus.consume({ stream: bus.subjects.callStream, durable: 'retry-test', filterSubject: bus.subjects.callEvent('l9'), retryDelayMs: 50 }, CallEvent, () => {
      attempts += 1;
      if (attempts === 1) throw new Error('transient');
      done.unlock();
    });
    await bus.publishDurable(bus.subjects.callEvent('l9'), CallEvent, callEvent(1, 'r1'));
    await done.done;
    consumer.stop();
    assert.equal(attempts, 2);
  });

  it('publish() after close() throws InvalidStateError, close() twice is a no-op', async () => {
    const other = await client();
    await other.close();
    await other.close();
    assert.throws(() => other.publish('x', CallEvent, callEvent(1)), InvalidStateError);
    assert.equal(other.state, 'closed');
  });
});

describe('bus - BusClient reconnect', { timeout: 30_000 }, () => {
  it('disconnect reconnects: state follows the server, requests work again after restart', async () => {
    const server = await NatsServer.start();
    const bus = await client(uniquePrefix(), server.url);
    try {
      assert.equal(bus.state, 'connected');
      const subject = `${bus.subjects.prefix}.echo`;
      bus.serve(subject, Echo, ({ text }) => ({ text, n: 0 }));
      const down = once(bus, 'state', { signal: AbortSignal.timeout(5000) });
      await server.stop();
      assert.deepEqual(await down, ['reconnecting']);
      assert.equal(bus.connected, false);
      const up = check(() => bus.connected, 10_000, { name: 'bus reconnected' });
      await server.restart();
      await up;
      // subscriptions are re-established by the client on reconnect
      const reply = await check(() => bus.request(subject, Echo, { text: 'back' }).catch(() => undefined), 5000, { name: 'echo after reconnect' });
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
