import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { RequestOne } from '@nats-io/nats-core/internal';
import { batchWritesPerLoopTurn, connectNats, quietAnsweredRequests } from '@ucserver/shared/internal';
import { natsUrl, uniquePrefix } from '@ucserver/testkit';

/** Counts the connection's socket writes (nats.js's transport `send`, one write each). */
function countWrites(nc: NatsConnection): { readonly count: number } {
  const transport = (nc as unknown as { protocol: { transport: { send: (frame: Uint8Array) => void } } }).protocol.transport;
  const send = transport.send.bind(transport);
  const counter = { count: 0 };
  transport.send = (frame) => {
    counter.count += 1;
    send(frame);
  };
  return counter;
}

describe('bus - connectNats: one socket write per event-loop turn', () => {
  it('messages published across a chain of awaits leave in one write, all delivered in order', async () => {
    const nc = await connectNats({ servers: natsUrl, name: 'test' });
    const subject = `${uniquePrefix()}.batch`;
    const got: string[] = [];
    const sub = nc.subscribe(subject, { callback: (_err, msg) => void got.push(msg.string()) });
    await nc.flush();
    try {
      const writes = countWrites(nc);
      // A handler's steps: each publish follows an await, so nats.js alone would flush after each.
      for (let i = 0; i < 5; i += 1) {
        nc.publish(subject, String(i));
        await Promise.resolve();
      }
      assert.equal(writes.count, 0, 'nothing written before the loop turn ends');
      await new Promise((r) => setImmediate(r));
      assert.equal(writes.count, 1);
      await nc.flush();
      assert.deepEqual(got, ['0', '1', '2', '3', '4']);
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });

  it('a batch past nats.js\'s threshold is written at once, not held for the turn', async () => {
    const nc = await connectNats({ servers: natsUrl, name: 'test' });
    try {
      const writes = countWrites(nc);
      nc.publish(`${uniquePrefix()}.big`, new Uint8Array(64 * 1024));
      // nats.js's own flush (a microtask) writes it, as without batching
      await Promise.resolve();
      assert.equal(writes.count, 1);
    } finally {
      await nc.close();
    }
  });

  it('requests still get their replies, and a request nobody serves still fails', async () => {
    const nc = await connectNats({ servers: natsUrl, name: 'test' });
    const subject = `${uniquePrefix()}.echo`;
    const sub = nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(msg.data) });
    try {
      const replies = await Promise.all([1, 2, 3].map((i) => nc.request(subject, String(i), { timeout: 2000 })));
      assert.deepEqual(replies.map((m) => m.string()), ['1', '2', '3']);
      await assert.rejects(nc.request(`${subject}.nobody`, 'x', { timeout: 2000 }), /no responders/i);
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });

  it('a connection without the nats.js internals it relies on is left alone', () => {
    assert.equal(batchWritesPerLoopTurn({} as NatsConnection), false);
    assert.equal(batchWritesPerLoopTurn({ protocol: { flushPending: () => undefined } } as unknown as NatsConnection), false);
  });

  it('an answered request makes no Error when it ends; a failed or timed-out one fails as before', async () => {
    assert.equal(quietAnsweredRequests(), true);
    // What an answered request's end rejects its (settled) promise with: nats.js made a new RequestError each time.
    const endings: unknown[] = [];
    const proto = RequestOne.prototype as unknown as { cancel: (this: { deferred: { reject: (e: unknown) => void } }, err?: Error) => void };
    const cancel = proto.cancel;
    proto.cancel = function (err) {
      const reject = this.deferred.reject;
      this.deferred.reject = (e) => {
        endings.push(e);
        reject(e);
      };
      cancel.call(this, err);
    };
    const nc = await connectNats({ servers: natsUrl, name: 'test' });
    const subject = `${uniquePrefix()}.answered`;
    const sub = nc.subscribe(subject, { callback: (_err, msg) => void (msg.string() === 'silent' ? undefined : msg.respond(msg.data)) });
    await nc.flush();
    try {
      const replies = await Promise.all(['a', 'b', 'c'].map((s) => nc.request(subject, s, { timeout: 2000 })));
      assert.deepEqual(replies.map((m) => m.string()), ['a', 'b', 'c']);
      assert.equal(endings.length, 3);
      assert.equal(new Set(endings).size, 1, 'one shared error for every answered request, not a new one each');
      await assert.rejects(nc.request(`${subject}.nobody`, 'x', { timeout: 2000 }), /no responders/i);
      await assert.rejects(nc.request(subject, 'silent', { timeout: 200 }), /timeout/i);
      const again = await nc.request(subject, 'd', { timeout: 2000 });
      assert.equal(again.string(), 'd');
    } finally {
      proto.cancel = cancel;
      sub.unsubscribe();
      await nc.close();
    }
  });
});
