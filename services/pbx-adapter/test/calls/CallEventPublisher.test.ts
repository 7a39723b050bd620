// Call events into the CALLS stream: seq per call from 1, order kept per call, tracking ends with
// 'disconnected'; stored durably (read back from JetStream).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream } from '@nats-io/jetstream';
import { BusClient, CallEvent, createMetricsRegistry } from '@ucserver/shared';
import { NatsServer, testLogger, uniquePrefix } from '@ucserver/testkit';
import { CallEventPublisher } from '../../src/calls/CallEventPublisher.ts';
import type { CallEventBase } from '../../src/calls/CallEventPublisherTypes.ts';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';

let nats: NatsServer;
let bus: BusClient;
before(async () => {
  nats = await NatsServer.start();
  bus = await BusClient.connect({ servers: nats.url, prefix: uniquePrefix(), name: 'publisher-test', logger: testLogger() });
  await bus.ensureCallStream({ maxBytes: 1024 * 1024 });
});
after(async () => {
  await bus?.close();
  await nats?.dispose();
});

const base = (callId: string, lineId: string): CallEventBase => ({ callId, lineId, lineNumber: lineId.slice(5), direction: 'outbound', remoteNumber: '101' });

describe('CallEventPublisher', { timeout: 20_000 }, () => {
  it('publish() numbers each call from 1, keeps each call in order and stores it in the stream', async () => {
    const publisher = new CallEventPublisher({ bus, logger: testLogger(), metrics: new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter')) });
    const a = base('call-a', 'line-100');
    const b = base('call-b', 'line-101');
    void publisher.publish(a, { state: 'dialing' });
    void publisher.publish(b, { state: 'offering', mediaPath: 'pbx' });
    void publisher.publish(a, { state: 'ringback', sipStatus: 180 });
    void publisher.publish(a, { state: 'connected', mediaPath: 'direct' });
    void publisher.publish(b, { state: 'disconnected', cause: 'cancelled' });
    assert.equal(publisher.size, 1, 'call-b is no longer tracked after disconnected');
    void publisher.publish(a, { state: 'disconnected', cause: 'normal' });
    await publisher.flush();
    assert.equal(publisher.size, 0);

    const consumer = await jetstream(bus.connection).consumers.get(bus.subjects.callStream);
    const stored: CallEvent[] = [];
    const messages = await consumer.fetch({ max_messages: 6, expires: 2000 });
    for await (const m of messages) stored.push(CallEvent.parse(m.json()));
    const of = (id: string): Array<[number, string]> => stored.filter((e) => e.callId === id).map((e) => [e.seq, e.state]);
    assert.deepEqual(of('call-a'), [[1, 'dialing'], [2, 'ringback'], [3, 'connected'], [4, 'disconnected']]);
    assert.deepEqual(of('call-b'), [[1, 'offering'], [2, 'disconnected']]);
    const connected = stored.find((e) => e.callId === 'call-a' && e.state === 'connected')!;
    assert.equal(connected.mediaPath, 'direct');
    assert.equal(connected.lineNumber, '100');
  });

  it('publish() runs hooks.beforeStore before the event is in the stream and afterStore once it is, in the call\'s order; lastEvent() follows', async () => {
    const js = jetstream(bus.connection);
    const order: string[] = [];
    const inStream = async (seq: number): Promise<boolean> => {
      const msg = await (await js.streams.get(bus.subjects.callStream)).getMessage({ last_by_subj: `${bus.subjects.prefix}.calls.event.line-102` }).catch(() => null);
      return msg !== null && CallEvent.parse(msg.json()).callId === 'call-h' && CallEvent.parse(msg.json()).seq >= seq;
    };
    const publisher = new CallEventPublisher({
      bus, logger: testLogger(), metrics: new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter')),
      hooks: {
        beforeStore: async (e) => void order.push(`before ${e.seq} stored:${await inStream(e.seq)}`),
        afterStore: (e, stored) => void order.push(`after ${e.seq} ${stored}`),
      },
    });
    const h = base('call-h', 'line-102');
    void publisher.publish(h, { state: 'dialing' });
    assert.equal(publisher.lastEvent('call-h')?.seq, 1);
    void publisher.publish(h, { state: 'disconnected', cause: 'normal' });
    assert.equal(publisher.lastEvent('call-h'), undefined, 'no call after its disconnected');
    await publisher.flush();
    assert.deepEqual(order, ['before 1 stored:false', 'after 1 true', 'before 2 stored:false', 'after 2 true']);
  });
});
