// PBX re-INVITEs that do or do not move the PBX's media tuple. A PlainTransport connects once, so a real
// move re-creates it (on the same local ports); anything else must leave the transport, its port and the
// SSRC the PBX hears alone — a new SSRC is what the far end of a call through rtpengine cannot follow.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flowToPbx, flowToPhone, incomingCall, outgoingCall, type CallSetup } from '../support/calls.ts';
import { FakePbx, type FakePbxSdpOptions } from '../support/FakePbx.ts';
import { startHarness } from '../support/harness.ts';

const pcmu = [{ pt: 0, name: 'PCMU', rate: 8000 }];
const pbxSsrc = 0x5eed;

function mPort(sdp: string): number {
  return Number(/^m=audio (\d+) /m.exec(sdp)![1]);
}

/** The SSRCs the PBX received packets with `marker` from. */
function ssrcsAtPbx(setup: CallSetup, marker: number): Set<number> {
  return new Set(setup.pbx.received.filter((p) => p.payload[0] === marker).map((p) => p.ssrc));
}

interface Case {
  name: string;
  direction: 'incoming' | 'outgoing';
  /** The PBX's SDP at the start and in both re-INVITEs (a=rtcp is set per step). */
  sdp: FakePbxSdpOptions;
  /** a=rtcp in the initial SDP and in the re-INVITEs, from the PBX's port. */
  rtcpOffsets: [initial: number, reinvite: number];
  recreated: boolean;
}

const cases: Case[] = [
  // rtpengine: a=rtcp:31851 in the first INVITE, a=rtcp:31850 (its RTP port) in the hold re-INVITE.
  { name: 'incoming call, rtcp-mux: a hold re-INVITE that changes only a=rtcp and the direction', direction: 'incoming', sdp: { codecs: pcmu, rtcpMux: true }, rtcpOffsets: [1, 0], recreated: false },
  { name: 'outgoing call, PBX answered rtcp-mux: its hold re-INVITE changes only a=rtcp and the direction', direction: 'outgoing', sdp: { codecs: pcmu, rtcpMux: true }, rtcpOffsets: [1, 0], recreated: false },
  { name: 'incoming call, no rtcp-mux: a hold re-INVITE that moves RTCP', direction: 'incoming', sdp: { codecs: pcmu }, rtcpOffsets: [1, 3], recreated: true },
];

describe('PBX re-INVITE and the PBX transport', { timeout: 60_000 }, () => {
  for (const c of cases) {
    test(`${c.name} ${c.recreated ? 're-creates the transport on the same port' : 'keeps the transport, its port and our SSRC'}; both ways flow after resume`, async (t) => {
      const h = await startHarness(t);
      const pbx = await FakePbx.create();
      const callId = `retarget-${c.direction}-${c.recreated ? 'moved' : 'kept'}`;
      const initial = { ...c.sdp, rtcpPort: pbx.port + c.rtcpOffsets[0] };
      const call = c.direction === 'incoming'
        ? await incomingCall(t, h, { callId, pbx, pbxSdp: initial })
        : await outgoingCall(t, h, { callId, pbx, pbxSdp: initial });
      const leg = h.app.node.call(callId)!.pbxLeg!;
      const port = leg.local.port;
      const transportId = leg.transport.id;
      const generation = leg.generation;
      await flowToPbx(call, 0x31, 5);
      await flowToPhone(call, 0x32, pbxSsrc, 0, 5);
      const ourSsrc = ssrcsAtPbx(call, 0x31);
      assert.equal(ourSsrc.size, 1);

      const reinvite = { ...c.sdp, rtcpPort: pbx.port + c.rtcpOffsets[1] };
      const hold = await h.request('pbxOffer', { callId, sdp: pbx.sdp({ ...reinvite, direction: 'sendonly', version: 2 }) });
      assert.match(hold.sdp, /^a=recvonly\r$/m);
      assert.equal(mPort(hold.sdp), port, 'the answer to the hold keeps our port');
      await flowToPhone(call, 0x33, pbxSsrc, 0, 3); // music on hold
      const resume = await h.request('pbxOffer', { callId, sdp: pbx.sdp({ ...reinvite, direction: 'sendrecv', version: 3 }) });
      assert.match(resume.sdp, /^a=sendrecv\r$/m);
      assert.equal(mPort(resume.sdp), port, 'the answer to the resume keeps our port');
      assert.equal(leg.local.port, port);

      await flowToPbx(call, 0x34, 5);
      await flowToPhone(call, 0x35, pbxSsrc, 0, 5);
      if (c.recreated) {
        assert.equal(leg.generation, generation + 1, 'one re-creation, for the hold re-INVITE that moved RTCP');
        assert.notEqual(leg.transport.id, transportId);
      } else {
        assert.equal(leg.generation, generation, 'no re-creation');
        assert.equal(leg.transport.id, transportId, 'the same PlainTransport');
        assert.deepEqual(ssrcsAtPbx(call, 0x34), ourSsrc, 'the PBX still hears the SSRC it learnt at the start');
      }
      await h.request('close', { callId });
      await h.assertNoTransports();
    });
  }

  test('an old-style hold (c=0.0.0.0) and its resume keep the transport and our SSRC', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, { callId: 'retarget-null', pbxSdp: { codecs: pcmu } });
    const leg = h.app.node.call('retarget-null')!.pbxLeg!;
    const transportId = leg.transport.id;
    await flowToPbx(call, 0x41, 5);
    await h.request('pbxOffer', { callId: 'retarget-null', sdp: call.pbx.sdp({ codecs: pcmu, address: '0.0.0.0', version: 2 }) });
    await h.request('pbxOffer', { callId: 'retarget-null', sdp: call.pbx.sdp({ codecs: pcmu, version: 3 }) });
    await flowToPbx(call, 0x43, 5);
    await flowToPhone(call, 0x44, pbxSsrc, 0, 5);
    assert.equal(leg.transport.id, transportId);
    assert.deepEqual(ssrcsAtPbx(call, 0x43), ssrcsAtPbx(call, 0x41));
    await h.request('close', { callId: 'retarget-null' });
    await h.assertNoTransports();
  });
});
