// A PBX leg whose transport is re-created on its port (the PBX multiplexes RTCP, a re-INVITE re-targets it)
// keeps that port to itself: mediasoup must not hand it to another call. With SO_REUSEADDR the other call's
// socket, bound last, would take every packet of this leg (bench/media-relay: 2–4 dead streams per 100
// calls via the PBX, each a call whose audio from the PBX never arrived).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { PbxLeg } from '../../src/calls/PbxLeg.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

describe('PbxLeg ports after a re-created transport', () => {
  it('no later leg of the worker gets the port of a leg whose transport was re-created, and its packets still reach it', async (t) => {
    const worker = await startWorker(t);
    const router = await createRouter(worker);
    const leg = await PbxLeg.create({ router, worker, logger, rtcpMux: false, srtpSuite: undefined, ssrcWatchdog: false });
    t.after(() => leg.close());
    const port = leg.local.port;
    // The PBX answers with rtcp-mux: the transport is re-created, muxed, on the same RTP port.
    const pbx = createSocket('udp4');
    await new Promise<void>((r) => pbx.bind(0, '127.0.0.1', r));
    t.after(() => pbx.close());
    const pbxPort = pbx.address().port;
    await leg.configure({ remote: { address: '127.0.0.1', port: pbxPort, rtcpAddress: '127.0.0.1', rtcpPort: pbxPort, rtcpMux: true, srtp: undefined, ssrc: undefined }, srtpSuite: undefined, connect: true });
    assert.equal(leg.rtcpMux, true);
    assert.equal(leg.local.port, port, 're-created on the same port');

    // Every other port pair of the worker's range (400 ports) goes to other legs: none may be ours.
    const others: PbxLeg[] = [];
    t.after(() => others.forEach((o) => o.close()));
    for (;;) {
      const other = await PbxLeg.create({ router: await createRouter(worker), worker, logger, rtcpMux: false, srtpSuite: undefined, ssrcWatchdog: false }).catch(() => undefined);
      if (!other) break;
      others.push(other);
      assert.notEqual(other.local.port, port, `leg ${others.length} got the re-created leg's port`);
    }
    assert.ok(others.length >= 150, `the range was used up (${others.length} more legs)`);
  });
});
