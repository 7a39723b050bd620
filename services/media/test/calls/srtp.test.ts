// SDES-SRTP between the node's PlainTransport and a PBX that encrypts and decrypts with an RFC 3711
// implementation written for the tests (test/support/srtp.ts), independent of mediasoup's libsrtp.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flowToPbx, flowToPhone, incomingCall, outgoingCall } from '../support/calls.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

describe('SDES-SRTP PBX leg', { timeout: 60_000 }, () => {
  test("pbxCreateOffer srtp:'sdes' offers RTP/SAVP with a=crypto and both directions decrypt", async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 'srtp-out', srtp: 'sdes' });
    assert.match(call.nodePbxSdp, /^m=audio \d+ RTP\/SAVP /m);
    assert.match(call.nodePbxSdp, /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r$/m);
    await flowToPbx(call, 0x61, 10);
    assert.equal(call.pbx.srtpFailures, 0, 'every packet from the node authenticated with its SDES key');
    await flowToPhone(call, 0x62, 0x5005, 0, 10);
    await h.request('close', { callId: 'srtp-out' });
    await h.assertNoTransports();
  });

  test('an RTP/SAVP offer from the PBX is answered with its crypto tag and suite, and relays', async (t) => {
    const h = await startHarness(t);
    const key = Buffer.alloc(30, 0x33).toString('base64');
    const call = await incomingCall(t, h, { callId: 'srtp-in', pbxSdp: { codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], crypto: { tag: 3, suite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: key } } });
    assert.match(call.nodePbxSdp, /^m=audio \d+ RTP\/SAVP 0 101\r$/m);
    assert.match(call.nodePbxSdp, /^a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:/m);
    await flowToPhone(call, 0x63, 0x6006, 0, 10);
    await flowToPbx(call, 0x64, 10);
    assert.equal(call.pbx.srtpFailures, 0);
    await h.request('close', { callId: 'srtp-in' });
    await h.assertNoTransports();
  });

  test("'optional' offers plain RTP/AVP; an SRTP answer to it is refused", async (t) => {
    const h = await startHarness(t);
    const { WeriftPhone } = await import('@ucserver/testkit/werift');
    const phone = new WeriftPhone();
    t.after(() => phone.close());
    await h.request('softphoneOffer', { callId: 'srtp-opt', sdp: await phone.offer() });
    const offer = await h.request('pbxCreateOffer', { callId: 'srtp-opt' });
    assert.match(offer.sdp, /^m=audio \d+ RTP\/AVP /m);
    assert.doesNotMatch(offer.sdp, /a=crypto/);
    const savp = offer.sdp.replace('RTP/AVP', 'RTP/SAVP').replace('a=sendrecv', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(30, 1).toString('base64')}\r\na=sendrecv`);
    await assert.rejects(h.request('pbxApplyAnswer', { callId: 'srtp-opt', sdp: savp }), remoteCode('UCS_ERR_MEDIA_CRYPTO_INVALID'));
    await h.request('close', { callId: 'srtp-opt' });
    await h.assertNoTransports();
  });
});
