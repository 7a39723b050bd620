// The one Consumer a leg sends through, on a real router: created for a source, paused and resumed in
// place, replaced for another source, dropped (and announced) when its source goes away.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import type { Consumer, PlainTransport, Producer } from 'mediasoup/types';
import { ConsumerFeed } from '../../src/calls/ConsumerFeed.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import { pbxProducerRtpParameters, type PbxCodec } from '../../src/sdp/pbxSdp.ts';
import { createRouter, startWorker } from '../support/worker.ts';

const pcmu: PbxCodec = Object.freeze({ spec: codecSpec('PCMU'), sendPayloadType: 0, recvPayloadType: 0, fmtp: undefined, telephoneEvent: undefined });

interface Bed {
  sources: [Producer, Producer];
  feed: ConsumerFeed;
  /** Every Consumer the feed had created. */
  created: Consumer[];
  /** What wanted() answers. */
  wanted: { value: boolean };
  closes: { count: number };
}

/** Two source Producers on one transport, and a feed that consumes them on another. */
async function bed(t: TestContext): Promise<Bed> {
  const worker = await startWorker(t);
  const router = await createRouter(worker);
  const plain = (): Promise<PlainTransport> => router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: worker.portRange }, rtcpMux: true, comedia: false });
  const [from, to] = [await plain(), await plain()];
  const sources: [Producer, Producer] = [
    await from.produce({ kind: 'audio', rtpParameters: pbxProducerRtpParameters(pcmu, 0x1111) }),
    await from.produce({ kind: 'audio', rtpParameters: pbxProducerRtpParameters(pcmu, 0x2222) }),
  ];
  const created: Consumer[] = [];
  const wanted = { value: true };
  const closes = { count: 0 };
  const feed = new ConsumerFeed({
    consume: async (source, paused) => {
      const consumer = await to.consume({ producerId: source.id, rtpCapabilities: router.rtpCapabilities, paused });
      created.push(consumer);
      return consumer;
    },
    wanted: () => wanted.value,
  });
  feed.on('@close', () => closes.count++);
  return { sources, feed, created, wanted, closes };
}

describe('ConsumerFeed', { timeout: 20_000 }, () => {
  test('set() creates one Consumer of the source and pauses or resumes it in place', async (t) => {
    const { sources: [a], feed, created } = await bed(t);
    await feed.set(a, false);
    const consumer = feed.consumer!;
    assert.deepEqual([consumer.producerId, consumer.paused], [a.id, false]);
    await feed.set(a, true);
    assert.deepEqual([feed.consumer, consumer.paused], [consumer, true]);
    await feed.set(a, false);
    assert.deepEqual([feed.consumer, consumer.paused, created.length], [consumer, false, 1]);
  });

  test('another source replaces the Consumer, and undefined sends nothing', async (t) => {
    const { sources: [a, b], feed, closes } = await bed(t);
    await feed.set(a, false);
    const first = feed.consumer!;
    await feed.set(b, true);
    assert.deepEqual([first.closed, feed.consumer!.producerId, feed.consumer!.paused], [true, b.id, true]);
    const second = feed.consumer!;
    await feed.set(undefined, false);
    assert.deepEqual([feed.consumer, second.closed, closes.count], [undefined, true, 0], 'replacing is not announced');
  });

  test('the source closing drops the Consumer and announces @close; clear() announces nothing', async (t) => {
    const { sources: [a, b], feed, closes } = await bed(t);
    await feed.set(a, false);
    const announced = once(feed, '@close', { signal: AbortSignal.timeout(2000) });
    a.close();
    await announced;
    assert.deepEqual([feed.consumer, closes.count], [undefined, 1]);
    await feed.set(b, false);
    const consumer = feed.consumer!;
    feed.clear();
    assert.deepEqual([feed.consumer, consumer.closed, closes.count], [undefined, true, 1]);
  });

  test('a Consumer that is no longer wanted when it arrives is closed at once', async (t) => {
    const { sources: [a], feed, created, wanted } = await bed(t);
    wanted.value = false;
    await feed.set(a, false);
    assert.equal(feed.consumer, undefined);
    assert.deepEqual(created.map((c) => c.closed), [true]);
  });

  test('a closed source is never consumed', async (t) => {
    const { sources: [a], feed, created } = await bed(t);
    a.close();
    await feed.set(a, false);
    assert.deepEqual([feed.consumer, created.length], [undefined, 0]);
  });

  test('forget() drops the Consumer without closing it (its transport does)', async (t) => {
    const { sources: [a], feed, closes } = await bed(t);
    await feed.set(a, false);
    const consumer = feed.consumer!;
    feed.forget();
    assert.deepEqual([feed.consumer, consumer.closed, closes.count], [undefined, false, 0]);
  });
});
