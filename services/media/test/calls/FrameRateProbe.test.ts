// FrameRateProbe on a real worker: a VP8 stream of 25 frames/s (two packets per frame) into a PlainTransport
// Producer measures 25 frames/s; a stream that stops measures nothing; the probe gives back only its own trace
// type (another user's trace, e.g. the capture's sender reports, stays: producerTrace).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test, type TestContext } from 'node:test';
import type { Producer } from 'mediasoup/types';
import { FrameRateProbe } from '../../src/calls/FrameRateProbe.ts';
import { acquireTrace } from '../../src/calls/producerTrace.ts';
import { startWorker } from '../support/worker.ts';

const SSRC = 0x5eed;

async function videoProducer(t: TestContext): Promise<{ producer: Producer; send: (fps: number, ms: number) => Promise<void> }> {
  const worker = await startWorker(t);
  const router = await worker.worker.createRouter({ mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }] });
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: worker.portRange }, rtcpMux: true, comedia: true });
  const producer = await transport.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: SSRC }] } });
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  let seq = 0;
  let ts = 0;
  const packet = (marker: boolean): Buffer => {
    const b = Buffer.alloc(12 + 11);
    b[0] = 0x80;
    b[1] = 96 | (marker ? 0x80 : 0);
    b.writeUInt16BE(seq++ & 0xffff, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(SSRC, 8);
    // VP8 payload descriptor (S=1, partition 0) and a key frame header (640×480): mediasoup forwards it.
    Buffer.from([0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]).copy(b, 12);
    return b;
  };
  const send = async (fps: number, ms: number): Promise<void> => {
    const frames = Math.round((fps * ms) / 1000);
    for (let i = 0; i < frames; i++) {
      socket.send(packet(false), transport.tuple.localPort, '127.0.0.1');
      socket.send(packet(true), transport.tuple.localPort, '127.0.0.1');
      ts += 90000 / fps;
      await new Promise((r) => setTimeout(r, 1000 / fps));
    }
  };
  return { producer, send };
}

describe('FrameRateProbe', { timeout: 30_000 }, () => {
  test('measures the frames per second of a VP8 stream; a silent stream measures 0', async (t) => {
    const { producer, send } = await videoProducer(t);
    const sending = send(25, 2000);
    await new Promise((r) => setTimeout(r, 300));
    const fps = await FrameRateProbe.measure(producer, 1000);
    await sending;
    assert.ok(fps !== undefined && fps >= 20 && fps <= 30, `25 fps sent, measured ${fps}`);
    assert.equal(await FrameRateProbe.measure(producer, 300), 0, 'nothing sent: no frames');
  });

  test('the probe releases only its own trace type; a closed producer ends the probe early', async (t) => {
    const { producer } = await videoProducer(t);
    // Another user's type ('keyframe' here: mediasoup's dump does not list 'sr', which the capture takes).
    const releaseOther = await acquireTrace(producer, ['keyframe']);
    await FrameRateProbe.measure(producer, 100);
    assert.deepEqual((await producer.dump()).traceEventTypes, ['keyframe'], 'the other trace survives the probe');
    await releaseOther();
    assert.deepEqual((await producer.dump()).traceEventTypes, []);
    const probing = FrameRateProbe.measure(producer, 10_000);
    const t0 = Date.now();
    setTimeout(() => producer.close(), 100);
    assert.equal(await probing, undefined);
    assert.ok(Date.now() - t0 < 2000, 'ended with the producer, not after its window');
  });
});
