// The SSRC watchdog on a real PlainTransport: packets that reach no Producer for starveMs make the leg
// relearn; audio, silence, or nothing to watch never do; each fruitless relearn doubles the wait; an idle
// leg is read less often until something arrives.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { performance } from 'node:perf_hooks';
import type { PlainTransport, Producer } from 'mediasoup/types';
import { check, Latch, testPayload } from '@ucserver/testkit';
import { SsrcWatchdog } from '../../src/calls/SsrcWatchdog.ts';
import type { SsrcWatchdogLeg, SsrcWatchdogTarget } from '../../src/calls/SsrcWatchdogTypes.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import { pbxProducerRtpParameters, type PbxCodec } from '../../src/sdp/pbxSdp.ts';
import { FakePbx } from '../support/FakePbx.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

const fast = Object.freeze({ intervalMs: 20, starveMs: 100, idleMaxMs: 160 });
const producerSsrc = 0x1111;
const strangerSsrc = 0x2222;
const pcmu: PbxCodec = Object.freeze({ spec: codecSpec('PCMU'), sendPayloadType: 0, recvPayloadType: 0, fmtp: undefined, telephoneEvent: undefined });

interface Bed {
  transport: PlainTransport;
  producer: Producer;
  pbx: FakePbx;
  /** Sends PCMU from the PBX every 10 ms with `ssrc` until the test ends. */
  stream(ssrc: number): void;
}

/** A PlainTransport connected to a FakePbx, with a Producer for SSRC 0x1111. */
async function bed(t: TestContext): Promise<Bed> {
  const worker = await startWorker(t);
  const router = await createRouter(worker);
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: worker.portRange }, rtcpMux: true, comedia: false });
  const pbx = await FakePbx.create();
  const timers: NodeJS.Timeout[] = [];
  t.after(() => {
    for (const timer of timers) clearInterval(timer);
    pbx.close();
  });
  await transport.connect({ ip: '127.0.0.1', port: pbx.port });
  pbx.target = { address: '127.0.0.1', port: transport.tuple.localPort };
  const producer = await transport.produce({ kind: 'audio', rtpParameters: pbxProducerRtpParameters(pcmu, producerSsrc) });
  let seq = 0;
  return {
    transport,
    producer,
    pbx,
    stream(ssrc) {
      timers.push(setInterval(() => pbx.send(0, ssrc, testPayload(0x42, seq++)), 10));
    },
  };
}

/** A leg that counts the watchdog's readings (calls of target()) and its relearns. */
function leg(target: () => SsrcWatchdogTarget | undefined, relearn: () => Promise<void> = async () => {}): SsrcWatchdogLeg & { readings: number; relearns: number[] } {
  const state = {
    readings: 0,
    relearns: [] as number[],
    target() {
      state.readings += 1;
      return target();
    },
    relearn() {
      state.relearns.push(performance.now());
      return relearn();
    },
  };
  return state;
}

function watch(t: TestContext, subject: SsrcWatchdogLeg, options = fast): SsrcWatchdog {
  const watchdog = new SsrcWatchdog(subject, options, logger);
  t.after(() => watchdog.close());
  return watchdog;
}

describe('SsrcWatchdog', { timeout: 20_000 }, () => {
  test('packets that reach no Producer for starveMs make the leg relearn', async (t) => {
    const b = await bed(t);
    const relearnt = new Latch(1, 3000, 'a relearn');
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }), async () => relearnt.unlock());
    const started = performance.now();
    b.stream(strangerSsrc);
    watch(t, subject);
    await relearnt.done;
    assert.ok(subject.relearns[0]! - started >= fast.starveMs, `not before ${fast.starveMs} ms of starvation (${Math.round(subject.relearns[0]! - started)} ms)`);
  });

  test('a steady stream that reaches the Producer never makes it relearn', async (t) => {
    const b = await bed(t);
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }));
    b.stream(producerSsrc);
    watch(t, subject);
    await check(() => subject.readings >= 30, 5000, { name: '15 readings (3 × starveMs)' });
    assert.ok((await b.transport.getStats())[0]!.rtpBytesReceived > 0, 'the Producer got the stream');
    assert.deepEqual(subject.relearns, []);
  });

  test('silence (nothing arrives) is not starvation', async (t) => {
    const b = await bed(t);
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }));
    watch(t, subject);
    await check(() => subject.readings >= 15, 5000, { name: '15 readings (beyond 3 × starveMs)' });
    assert.deepEqual(subject.relearns, []);
  });

  test('an idle leg is read less often (doubling up to idleMaxMs); packets bring the cadence back', async (t) => {
    const b = await bed(t);
    // A reading asks for the target twice (before and after the worker's answer; the target here always
    // exists and the worker always answers): the odd calls start readings. Not a time threshold: under load
    // the worker's answer can take longer than any threshold, and its second call looked like a new reading.
    const at: number[] = [];
    let calls = 0;
    const subject = leg(() => {
      if (calls++ % 2 === 0) at.push(performance.now());
      return { transport: b.transport, producer: b.producer, ssrc: producerSsrc };
    });
    watch(t, subject);
    await check(() => at.length >= 8, 5000, { name: '8 readings of an idle leg' });
    const gaps = at.slice(1).map((x, i) => x - at[i]!);
    assert.ok(gaps.slice(-3).every((g) => g >= fast.idleMaxMs - 5), `backed off to ${fast.idleMaxMs} ms: ${gaps.map(Math.round).join(', ')}`);
    b.stream(producerSsrc);
    const from = at.length;
    await check(() => at.length >= from + 12, 5000, { name: '12 readings once audio flows' });
    const flowing = at.slice(from + 2).map((x, i) => x - at[from + 1 + i]!);
    // The median, not every gap: a loaded machine delays a timer now and then.
    const median = [...flowing].sort((x, y) => x - y)[Math.floor(flowing.length / 2)]!;
    assert.ok(median < fast.idleMaxMs / 2, `back to ${fast.intervalMs} ms: ${flowing.map(Math.round).join(', ')}`);
    assert.deepEqual(subject.relearns, []);
  });

  test('after an idle back-off, a lone packet that reaches no Producer is not starvation; a stream of them is', async (t) => {
    const b = await bed(t);
    const relearnt = new Latch(1, 3000, 'a relearn');
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }), async () => relearnt.unlock());
    watch(t, subject);
    await check(() => subject.readings >= 6, 5000, { name: '6 readings: backed off' });
    b.pbx.send(0, strangerSsrc, testPayload(0x42, 1));
    const readings = subject.readings;
    await check(() => subject.readings >= readings + 8, 5000, { name: '8 readings after the lone packet' });
    assert.deepEqual(subject.relearns, [], 'one packet after a back-off of seconds is not seconds of starvation');
    b.stream(strangerSsrc);
    await relearnt.done;
  });

  test('while the leg names no target (inactive, learning, a=ssrc) the flow is not judged, and is once it does', async (t) => {
    const b = await bed(t);
    let watched = false;
    const relearnt = new Latch(1, 3000, 'a relearn once watched');
    const subject = leg(() => (watched ? { transport: b.transport, producer: b.producer, ssrc: producerSsrc } : undefined), async () => relearnt.unlock());
    b.stream(strangerSsrc);
    watch(t, subject);
    await check(() => subject.readings >= 15, 5000, { name: '15 readings (3 × starveMs) without a target' });
    assert.deepEqual(subject.relearns, []);
    watched = true;
    await relearnt.done;
  });

  test('a relearn that does not bring audio back doubles the starvation time before the next', async (t) => {
    const b = await bed(t);
    const twice = new Latch(2, 5000, 'two relearns');
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }), async () => twice.unlock());
    b.stream(strangerSsrc);
    watch(t, subject);
    await twice.done;
    const gap = subject.relearns[1]! - subject.relearns[0]!;
    assert.ok(gap >= 2 * fast.starveMs, `the second relearn waits 2 × starveMs (${Math.round(gap)} ms)`);
  });

  test('a relearn that fails does not stop the readings', async (t) => {
    const b = await bed(t);
    const twice = new Latch(2, 5000, 'two relearn attempts');
    const subject = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }), async () => {
      twice.unlock();
      throw new Error('the learner socket could not bind');
    });
    b.stream(strangerSsrc);
    watch(t, subject);
    await twice.done;
  });

  test('close() stops the readings, and closing twice is fine', async (t) => {
    const b = await bed(t);
    const closed = leg(() => ({ transport: b.transport, producer: b.producer, ssrc: producerSsrc }));
    const clock = leg(() => undefined);
    b.stream(strangerSsrc);
    const watchdog = watch(t, closed);
    watchdog.close();
    watchdog.close();
    assert.equal(watchdog.closed, true);
    watch(t, clock);
    await check(() => clock.readings >= 15, 5000, { name: 'another watchdog\'s 15 readings' });
    assert.equal(closed.readings, 0);
    assert.deepEqual(closed.relearns, []);
  });
});
