// The conference against a real mediasoup worker: three RTP senders (PCMU, PCMA, opus; the opus one on
// a second router, as a user's second call has its own) each send a tone into a PlainTransport
// Producer; the Conference mixes through DirectTransports; each sender receives its feed back through a
// Consumer of it and detects the other two frequencies (Goertzel) and not its own. Then one leaves and
// the other two still hear each other.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import OpusScript from 'opusscript';
import type { Consumer, PlainTransport, Producer, Router } from 'mediasoup/types';
import { decodePcma, decodePcmu, dominantFrequency, encodePcma, encodePcmu, tonePower } from '@ucserver/testkit';
import { Conference } from '../../src/conference/Conference.ts';
import { preloadOpus } from '../../src/conference/codecFor.ts';
import { buildRtp, parseRtp } from '../../src/conference/rtp.ts';
import { CallStateError, NoCommonCodecError } from '../../src/errors.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

type Codec = 'PCMU' | 'PCMA' | 'opus';
const frequencies = [440, 1000, 1700];

/** One participant's far end: a UDP socket sending a tone into a PlainTransport Producer, decoding what comes back. */
class Phone {
  readonly codec: Codec;
  readonly frequency: number;
  readonly socket: Socket;
  readonly transport: PlainTransport;
  readonly producer: Producer;
  readonly router: Router;
  readonly received: Int16Array[] = [];
  #rate: number;
  #timer: NodeJS.Timeout | undefined;
  #index = 0;
  #encoder: OpusScript | undefined;
  #decoder: OpusScript | undefined;
  consumer: Consumer | undefined;

  private constructor(codec: Codec, frequency: number, socket: Socket, router: Router, transport: PlainTransport, producer: Producer) {
    this.codec = codec;
    this.frequency = frequency;
    this.socket = socket;
    this.router = router;
    this.transport = transport;
    this.producer = producer;
    this.#rate = codec === 'opus' ? 48000 : 8000;
    if (codec === 'opus') {
      this.#encoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
      this.#decoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
    }
    socket.on('message', (msg) => this.#onRtp(msg));
  }

  static async open(t: TestContext, router: Router, portRange: { min: number; max: number }, codec: Codec, frequency: number, ssrc: number): Promise<Phone> {
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange }, rtcpMux: true, comedia: true });
    const rc = router.rtpCapabilities.codecs!.find((c) => c.mimeType === `audio/${codec}`)!;
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: rc.mimeType, payloadType: rc.preferredPayloadType!, clockRate: rc.clockRate, ...(rc.channels ? { channels: rc.channels } : {}), parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc }] },
    });
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const phone = new Phone(codec, frequency, socket, router, transport, producer);
    t.after(() => phone.close());
    return phone;
  }

  /**
   * Sends 20 ms of the tone per 20 ms of monotonic time (a phone's clock, not setInterval's, which
   * drifts late under load and would starve the mixer's jitter buffer).
   */
  start(): void {
    const pt = this.producer.rtpParameters.codecs[0]!.payloadType;
    const ssrc = this.producer.rtpParameters.encodings![0]!.ssrc!;
    const frame = this.#rate / 50;
    const startedAt = performance.now();
    this.#timer = setInterval(() => {
      const due = Math.floor((performance.now() - startedAt) / 20) + 1;
      while (this.#index < due) {
        const k = this.#index++;
        const samples = Int16Array.from({ length: frame }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * this.frequency * (k * frame + i)) / this.#rate)));
        const payload = this.codec === 'PCMU' ? encodePcmu(samples) : this.codec === 'PCMA' ? encodePcma(samples) : this.#encoder!.encode(Buffer.from(samples.buffer), frame);
        const packet = buildRtp({ payloadType: pt, marker: k === 0, sequenceNumber: k & 0xffff, timestamp: k * frame, ssrc }, payload);
        this.socket.send(packet, this.transport.tuple.localPort, '127.0.0.1');
      }
    }, 10);
  }

  /** Consumes its feed (comedia: mediasoup sends back to where our tone comes from). */
  async listen(feed: Producer): Promise<void> {
    const rc = this.router.rtpCapabilities.codecs!.filter((c) => c.mimeType === `audio/${this.codec}`);
    this.consumer = await this.transport.consume({ producerId: feed.id, rtpCapabilities: { codecs: rc, headerExtensions: [] } });
  }

  /** What it heard since `from` (index into received frames), as one signal at its codec's rate. */
  heard(from = 0): Int16Array {
    const frames = this.received.slice(from);
    const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const f of frames) {
      out.set(f, offset);
      offset += f.length;
    }
    return out;
  }

  get rate(): number {
    return this.#rate;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.socket.close();
    this.#encoder?.delete();
    this.#decoder?.delete();
    this.#encoder = this.#decoder = undefined;
  }

  #onRtp(msg: Buffer): void {
    const rtp = parseRtp(msg);
    if (!rtp || !this.consumer || rtp.payloadType !== this.consumer.rtpParameters.codecs[0]!.payloadType) return;
    if (this.codec === 'PCMU') this.received.push(decodePcmu(rtp.payload));
    else if (this.codec === 'PCMA') this.received.push(decodePcma(rtp.payload));
    else if (this.#decoder) {
      const bytes = this.#decoder.decode(rtp.payload);
      this.received.push(Int16Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readInt16LE(2 * i)));
    }
  }
}

/** Waits (bounded) until `phone` has at least `frames` more frames than `from`. */
async function waitFrames(phone: Phone, from: number, frames: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (phone.received.length < from + frames) {
    if (Date.now() > deadline) throw new Error(`${phone.codec} phone heard ${phone.received.length - from} of ${frames} frames in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function assertHears(phone: Phone, from: number, others: Phone[], absent: number[]): void {
  const pcm = phone.heard(from);
  for (const other of others) {
    const share = tonePower(pcm, other.frequency, phone.rate);
    assert.ok(share > 0.15, `${phone.codec} phone misses ${other.frequency} Hz (share ${share.toFixed(3)}, ${JSON.stringify([...dominantFrequency(pcm, frequencies, phone.rate).powers])})`);
  }
  for (const f of absent) {
    const share = tonePower(pcm, f, phone.rate);
    assert.ok(share < 0.03, `${phone.codec} phone hears ${f} Hz (share ${share.toFixed(3)})`);
  }
}

describe('Conference on a real worker', () => {
  test('three participants (PCMU, PCMA, opus on another router) each hear the two others and not themselves; one leaves, two still talk', async (t) => {
    const worker = await startWorker(t);
    const routerAB = await createRouter(worker);
    const routerC = await createRouter(worker);
    const a = await Phone.open(t, routerAB, worker.portRange, 'PCMU', frequencies[0]!, 0x0a0a0a0a);
    const b = await Phone.open(t, routerAB, worker.portRange, 'PCMA', frequencies[1]!, 0x0b0b0b0b);
    const c = await Phone.open(t, routerC, worker.portRange, 'opus', frequencies[2]!, 0x0c0c0c0c);
    preloadOpus();
    const conference = new Conference({ id: 'conf-1', maxParticipants: 3, logger });
    t.after(() => conference.close());
    for (const phone of [a, b, c]) phone.start();
    // comedia: each transport learns its phone's address from the first packet, before it sends back.
    await new Promise((r) => setTimeout(r, 100));
    for (const [id, phone] of [['a', a], ['b', b], ['c', c]] as const) {
      const feed = await conference.add({ id, router: phone.router, source: phone.producer });
      await phone.listen(feed);
    }
    assert.equal(conference.size, 3);
    for (const phone of [a, b, c]) await waitFrames(phone, 0, 60);
    // Skip the first 20 frames (the jitter buffers fill, opus settles).
    assertHears(a, 20, [b, c], [a.frequency]);
    assertHears(b, 20, [a, c], [b.frequency]);
    assertHears(c, 20, [a, b], [c.frequency]);
    await assert.rejects(conference.add({ id: 'd', router: routerAB, source: a.producer }), CallStateError);

    // C leaves: A and B keep hearing each other, and no longer C.
    assert.equal(conference.remove('c'), true);
    const fromA = a.received.length + 5;
    const fromB = b.received.length + 5;
    await waitFrames(a, fromA, 40);
    await waitFrames(b, fromB, 40);
    assertHears(a, fromA, [b], [a.frequency, c.frequency]);
    assertHears(b, fromB, [a], [b.frequency, c.frequency]);
    const dump = conference.dump();
    assert.deepEqual(dump.map((d) => d.id), ['a', 'b']);
    for (const d of dump) assert.ok(d.received > 50 && d.sent > 50, JSON.stringify(d));
  });

  test('a G.722 source is refused with a clear error, and a closed conference takes no one', async (t) => {
    const worker = await startWorker(t);
    const router = await createRouter(worker);
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: worker.portRange }, rtcpMux: true, comedia: true });
    const rc = router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/G722')!;
    const g722 = await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: rc.mimeType, payloadType: rc.preferredPayloadType!, clockRate: rc.clockRate, parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc: 1234 }] } });
    const conference = new Conference({ id: 'conf-2', maxParticipants: 3, logger, manualClock: true });
    await assert.rejects(conference.add({ id: 'x', router, source: g722 }), NoCommonCodecError);
    assert.equal(conference.size, 0);
    conference.close();
    await assert.rejects(conference.add({ id: 'y', router, source: g722 }), /closed/);
  });
});
