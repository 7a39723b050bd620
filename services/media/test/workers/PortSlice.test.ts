// The worker's slice of the PBX port range, booked in Node (PortSlice), and how a PBX leg takes from it: a
// port another process holds is skipped, as mediasoup's own range allocation skips it.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { PbxLeg } from '../../src/calls/PbxLeg.ts';
import { PortSlice } from '../../src/workers/PortSlice.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

describe('PortSlice', () => {
  test('hands out every port once, round the slice, and a freed port only after the others', () => {
    const slice = new PortSlice({ min: 100, max: 103 });
    const taken = [slice.take(), slice.take(), slice.take(), slice.take()];
    assert.deepEqual([...taken].sort(), [100, 101, 102, 103]);
    assert.equal(slice.take(), undefined);
    assert.equal(slice.free, 0);
    slice.release(taken[1]);
    slice.release(taken[1]);
    slice.release(99);
    assert.equal(slice.free, 1);
    assert.equal(slice.take(), taken[1]);
    slice.release(taken[0]);
    slice.release(taken[2]);
    // The cursor stands after taken[1]: taken[2] comes before taken[0] unless taken[0] follows it.
    const next = slice.take();
    assert.ok(next === taken[0] || next === taken[2]);
    assert.throws(() => new PortSlice({ min: 10, max: 9 }), RangeError);
  });

  test('a PBX leg skips a port of its slice that another socket holds without SO_REUSEADDR', async (t) => {
    const worker = await startWorker(t);
    const router = await createRouter(worker);
    const slice = worker.ports;
    // Book the whole slice, then free two neighbours: the first of them, next in line, is held elsewhere.
    const all: number[] = [];
    for (let p = slice.take(); p !== undefined; p = slice.take()) all.push(p);
    const [held, free] = [all[0]!, all[1]!];
    slice.release(held);
    slice.release(free);
    const foreign = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((r) => foreign.bind(held, '127.0.0.1', r));
    t.after(() => foreign.close());
    const leg = await PbxLeg.create({ router, worker, logger, rtcpMux: true, srtpSuite: undefined, ssrcWatchdog: false });
    t.after(() => leg.close());
    assert.equal(leg.local.port, free);
    assert.ok(!slice.isTaken(held), 'the port held elsewhere is not booked');
    await assert.rejects(PbxLeg.create({ router, worker, logger, rtcpMux: true, srtpSuite: undefined, ssrcWatchdog: false }), /cannot create the PBX transport/);
    assert.ok(!slice.isTaken(held));
  });
});
