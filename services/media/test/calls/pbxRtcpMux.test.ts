// Our offer toward the PBX has a=rtcp-mux and a separate a=rtcp port (RFC 5761 §5.1.3). The PBX leg starts
// on a muxed transport with that RTCP port only booked (PortSlice): the usual answer, with a=rtcp-mux,
// costs one PlainTransport, not two (one offered non-muxed, re-created muxed); an answer without re-creates
// it non-muxed on both offered ports. Either way the audio flows, and no other leg gets the ports.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PbxLeg } from '../../src/calls/PbxLeg.ts';
import { flowToPbx, flowToPhone, outgoingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';
import { takeWorkerRequests } from '../support/workerRequests.ts';

const rtcpPortOf = (sdp: string): number => Number(/^a=rtcp:(\d+)\r$/m.exec(sdp)?.[1]);
const rtpPortOf = (sdp: string): number => Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);

describe('rtcp-mux on our offer to the PBX', { timeout: 60_000 }, () => {
  test('answered with a=rtcp-mux: one PlainTransport, no re-creation; the offered RTCP port stays booked until the close', async (t) => {
    const h = await startHarness(t);
    takeWorkerRequests();
    const call = await outgoingCall(t, h, { callId: 'mux', pbxSdp: { rtcpMux: true } });
    const setup = takeWorkerRequests();
    assert.equal(setup.ROUTER_CREATE_PLAINTRANSPORT, 1, `one PBX transport: ${JSON.stringify(setup)}`);
    assert.equal(setup.ROUTER_CLOSE_TRANSPORT, undefined, `none closed during the setup: ${JSON.stringify(setup)}`);
    assert.equal(setup.PLAINTRANSPORT_CONNECT, 1);
    assert.match(call.nodePbxSdp, /^a=rtcp-mux\r$/m);
    const [port, rtcpPort] = [rtpPortOf(call.nodePbxSdp), rtcpPortOf(call.nodePbxSdp)];
    assert.ok(rtcpPort > 0 && rtcpPort !== port, `a separate RTCP port offered: ${call.nodePbxSdp}`);

    const leg = h.app.node.calls.get('mux')!.pbxLeg!;
    assert.equal(leg.rtcpMux, true);
    assert.equal(leg.transport.tuple.localPort, port);
    assert.equal(leg.transport.rtcpTuple, undefined, 'the transport is muxed');
    const ports = h.app.pool.workers[0]!.ports;
    assert.ok(ports.isTaken(port) && ports.isTaken(rtcpPort), 'both offered ports booked');
    await flowToPbx(call, 0x71, 10);
    await flowToPhone(call, 0x72, 0x7171, 0, 10);

    await h.request('close', { callId: 'mux' });
    const close = takeWorkerRequests();
    assert.equal(close.ROUTER_CLOSE_TRANSPORT, 2, `the softphone's and the PBX's transport: ${JSON.stringify(close)}`);
    assert.ok(!ports.isTaken(port) && !ports.isTaken(rtcpPort), 'both ports free after the close');
    await h.assertNoTransports();
  });

  test('answered without a=rtcp-mux: re-created non-muxed on the offered ports, and the audio flows', async (t) => {
    const h = await startHarness(t);
    takeWorkerRequests();
    const call = await outgoingCall(t, h, { callId: 'no-mux', pbxSdp: { rtcpMux: false } });
    const setup = takeWorkerRequests();
    assert.equal(setup.ROUTER_CREATE_PLAINTRANSPORT, 2, `offered muxed, re-created: ${JSON.stringify(setup)}`);
    const leg = h.app.node.calls.get('no-mux')!.pbxLeg!;
    assert.equal(leg.rtcpMux, false);
    assert.equal(leg.transport.tuple.localPort, rtpPortOf(call.nodePbxSdp));
    assert.equal(leg.transport.rtcpTuple?.localPort, rtcpPortOf(call.nodePbxSdp), 'RTCP on the offered a=rtcp port');
    await flowToPbx(call, 0x73, 10);
    await flowToPhone(call, 0x74, 0x7373, 0, 10);
    await h.request('close', { callId: 'no-mux' });
    await h.assertNoTransports();
  });

  test("no other leg of the worker gets an offered leg's ports, the unused RTCP port included, until it closes", async (t) => {
    const worker = await startWorker(t);
    const router = await createRouter(worker);
    const leg = await PbxLeg.create({ router, worker, logger, rtcpMux: 'offered', srtpSuite: undefined, ssrcWatchdog: false });
    const ours = [leg.local.port, leg.localRtcpPort!];
    assert.equal(leg.transport.rtcpTuple, undefined, 'muxed before the answer');
    await leg.configure({ remote: { address: '127.0.0.1', port: 9, rtcpAddress: '127.0.0.1', rtcpPort: 9, rtcpMux: true, srtp: undefined, ssrc: undefined }, srtpSuite: undefined, connect: true });
    const others: PbxLeg[] = [];
    t.after(() => others.forEach((o) => o.close()));
    for (;;) {
      const other = await PbxLeg.create({ router, worker, logger, rtcpMux: true, srtpSuite: undefined, ssrcWatchdog: false }).catch(() => undefined);
      if (!other) break;
      others.push(other);
      assert.ok(!ours.includes(other.local.port), `leg ${others.length} got port ${other.local.port} of the offered leg`);
    }
    assert.equal(others.length, worker.ports.size - 2, 'every other port of the slice was handed out');
    leg.close();
    const next = await PbxLeg.create({ router, worker, logger, rtcpMux: false, srtpSuite: undefined, ssrcWatchdog: false });
    others.push(next);
    assert.deepEqual([next.local.port, next.localRtcpPort].sort(), [...ours].sort(), 'the closed leg freed both');
  });
});
