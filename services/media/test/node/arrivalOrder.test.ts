// A call's first commands come from two services side by side: the gateway's softphone offer and the
// pbx-adapter's PBX offer (outgoing call), the adapter's PBX offer and the gateway's softphone offer
// (incoming call). NATS keeps only one publisher's order, so the second may arrive first: it waits for its
// call (at most 2 s) and then runs after the creating command, as if it had come second. A command for a
// call that ended here lately, or that never comes, fails with UCS_ERR_MEDIA_CALL_NOT_FOUND.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { FakePbx } from '../support/FakePbx.ts';
import { flowToPbx, flowToPhone } from '../support/calls.ts';
import { remoteCode, startHarness } from '../support/harness.ts';
import { WeriftPhone } from '@ucserver/testkit/werift';

/** A PCMU softphone and a PBX socket, closed with the test. */
async function endpoints(t: TestContext): Promise<{ phone: WeriftPhone; pbx: FakePbx }> {
  const phone = new WeriftPhone({ codecs: ['PCMU'] });
  const pbx = await FakePbx.create();
  t.after(async () => {
    await phone.close();
    pbx.close();
  });
  return { phone, pbx };
}

describe('commands that overtake the command creating their call', { timeout: 60_000 }, () => {
  test('outgoing: pbxCreateOffer before softphoneOffer waits for it, and the call carries audio both ways', async (t) => {
    const h = await startHarness(t);
    const { phone, pbx } = await endpoints(t);
    const callId = 'overtaken-out';
    // One bus connection keeps this order at the node: the PBX offer arrives first.
    const pbxOffer = h.request('pbxCreateOffer', { callId, srtp: 'off' });
    const phoneOffer = h.request('softphoneOffer', { callId, sdp: await phone.offer() });
    const [offer] = await Promise.all([pbxOffer, phoneOffer]);
    assert.match(offer.sdp, /^m=audio \d+ RTP\/AVP 0/m, 'our offer to the PBX has the softphone\'s codec');
    pbx.useRemoteSdp(offer.sdp);
    await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] }) });
    await phone.applyAnswer((await h.request('softphoneAnswer', { callId })).sdp);
    await phone.connected();
    const setup = { callId, phone, pbx, nodePbxSdp: offer.sdp };
    await flowToPbx(setup, 0xa1);
    await flowToPhone(setup, 0xa2, 0x1234, 0);
  });

  test('incoming: softphoneCreateOffer before pbxOffer waits for it, and the call carries audio both ways', async (t) => {
    const h = await startHarness(t);
    const { phone, pbx } = await endpoints(t);
    const callId = 'overtaken-in';
    const phoneOffer = h.request('softphoneCreateOffer', { callId });
    const reply = await h.request('pbxOffer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] }) });
    pbx.useRemoteSdp(reply.sdp);
    await h.request('softphoneApplyAnswer', { callId, sdp: await phone.answer((await phoneOffer).sdp) });
    await phone.connected();
    const setup = { callId, phone, pbx, nodePbxSdp: reply.sdp };
    await flowToPbx(setup, 0xb1);
    await flowToPhone(setup, 0xb2, 0x4321, 0);
  });

  test('a waiting command whose creating command fails fails too; a call ended here lately fails at once; one that never comes after 2 s', async (t) => {
    const h = await startHarness(t);
    const early = h.request('pbxCreateOffer', { callId: 'bad-offer', srtp: 'off' });
    await assert.rejects(h.request('softphoneOffer', { callId: 'bad-offer', sdp: 'v=0\r\n' }), remoteCode('UCS_ERR_MEDIA_SDP_INVALID'));
    await assert.rejects(early, (err: Error) => remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND')(err) || /closed/.test(err.message));

    let at = performance.now();
    await assert.rejects(h.request('pbxCreateOffer', { callId: 'bad-offer', srtp: 'off' }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    assert.ok(performance.now() - at < 1000, 'a call that ended here lately: no wait');

    at = performance.now();
    await assert.rejects(h.request('softphoneCreateOffer', { callId: 'never' }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    const waited = performance.now() - at;
    assert.ok(waited >= 1900 && waited < 4000, `waited ${waited.toFixed(0)} ms for a call that never came`);
  });
});
