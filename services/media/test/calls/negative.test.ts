// Bad input never crashes the node: each case gets a typed error code over the bus, the node answers
// the next request, and no transport is left behind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaCommands } from '@ucserver/shared';
import { fixture, replaced, without } from '../sdp/fixtures.ts';
import { FakePbx } from '../support/FakePbx.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

const chromium = fixture('chromium-offer.sdp');

describe('bad input over the bus', { timeout: 30_000 }, () => {
  test('malformed and unusable SDPs are refused with their codes and leave nothing behind', async (t) => {
    const h = await startHarness(t);
    const rows = [
      { name: 'garbage softphone offer', cmd: 'softphoneOffer', sdp: fixture('garbage.txt'), code: 'UCS_ERR_MEDIA_SDP_INVALID' },
      { name: 'softphone offer without audio', cmd: 'softphoneOffer', sdp: replaced(chromium, /^m=audio \d+/m, 'm=video 9'), code: 'UCS_ERR_MEDIA_NO_AUDIO' },
      { name: 'softphone offer with only unsupported codecs', cmd: 'softphoneOffer', sdp: replaced(chromium, /^m=audio (\d+) UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=audio $1 UDP/TLS/RTP/SAVPF 63 13'), code: 'UCS_ERR_MEDIA_NO_COMMON_CODEC' },
      { name: 'fingerprint with an unknown hash algorithm', cmd: 'softphoneOffer', sdp: replaced(chromium, 'a=fingerprint:sha-256', 'a=fingerprint:sha3-256'), code: 'UCS_ERR_MEDIA_DTLS_INVALID' },
      { name: 'softphone offer without ICE credentials', cmd: 'softphoneOffer', sdp: without(chromium, /^a=ice-(ufrag|pwd):/), code: 'UCS_ERR_MEDIA_ICE_INVALID' },
      { name: 'garbage PBX offer', cmd: 'pbxOffer', sdp: 'v=0\r\nnonsense', code: 'UCS_ERR_MEDIA_SDP_INVALID' },
      { name: 'PBX offer with G.729 only (488)', cmd: 'pbxOffer', sdp: fixture('g729-only-offer.sdp'), code: 'UCS_ERR_MEDIA_NO_COMMON_CODEC' },
      { name: 'PBX offer without audio', cmd: 'pbxOffer', sdp: fixture('video-only-offer.sdp'), code: 'UCS_ERR_MEDIA_NO_AUDIO' },
      { name: 'PBX offer with a bad crypto key', cmd: 'pbxOffer', sdp: fixture('bad-crypto-offer.sdp'), code: 'UCS_ERR_MEDIA_CRYPTO_INVALID' },
      { name: 'PBX offer with only MKI crypto lines', cmd: 'pbxOffer', sdp: replaced(without(fixture('sdes-offer.sdp'), /a=crypto:2/), '|2^31', '|2^31|1:4'), code: 'UCS_ERR_MEDIA_CRYPTO_INVALID' },
    ] as const;
    for (const [i, row] of rows.entries()) {
      const callId = `neg-${i}`;
      await assert.rejects(h.request(row.cmd, { callId, sdp: row.sdp }), remoteCode(row.code), row.name);
      await assert.rejects(h.request('dump', { callId }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'), `${row.name}: no call left`);
    }
    const metrics = await h.app.http.inject('/metrics');
    assert.match(metrics.body, /ucserver_media_allocation_failures_total\{reason="no_common_codec",service="media"\} 2/);
    await h.assertNoTransports();
  });

  test('commands for unknown calls are CALL_NOT_FOUND; close of an unknown call returns quality null', async (t) => {
    const h = await startHarness(t);
    const callId = 'nobody';
    const attempts = [
      () => h.request('softphoneAnswer', { callId }),
      () => h.request('softphoneCreateOffer', { callId }),
      () => h.request('softphoneApplyAnswer', { callId, sdp: chromium }),
      () => h.request('softphoneCandidate', { callId, candidate: null }),
      () => h.request('pbxCreateOffer', { callId, srtp: 'off' }),
      () => h.request('pbxApplyAnswer', { callId, sdp: fixture('asterisk-offer.sdp') }),
      () => h.request('pbxHoldOffer', { callId, hold: true }),
      () => h.request('dump', { callId }),
    ];
    for (const attempt of attempts) await assert.rejects(attempt(), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    assert.deepEqual(await h.request('close', { callId }), { quality: null });
    // A request the contract rejects (the client would refuse to send it, so it goes raw).
    const raw = await h.bus.connection.request(h.bus.subjects.command(MediaCommands.softphoneOffer, h.nodeId), JSON.stringify({ callId: 'not a token!', sdp: 'x' }), { timeout: 10_000 });
    assert.equal(JSON.parse(raw.string()).error.code, 'UCS_ERR_BUS_PAYLOAD_INVALID');
    assert.deepEqual(await h.request('close', { callId }), { quality: null }, 'and the node still answers');
  });

  test('commands out of order are CALL_STATE, candidates are validated, and the call survives them', async (t) => {
    const h = await startHarness(t);
    const callId = 'order';
    const created = await h.request('softphoneOffer', { callId, sdp: chromium });
    assert.deepEqual(created.codecs, ['opus', 'G722', 'PCMU', 'PCMA']);
    await assert.rejects(h.request('softphoneOffer', { callId, sdp: chromium }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'), 'second offer');
    await assert.rejects(h.request('softphoneAnswer', { callId }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'), 'answer before the PBX fixed a codec');
    await assert.rejects(h.request('pbxApplyAnswer', { callId, sdp: fixture('asterisk-offer.sdp') }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'), 'answer without offer');
    await assert.rejects(h.request('softphoneCreateOffer', { callId }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'));
    await assert.rejects(h.request('pbxHoldOffer', { callId, hold: true }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'));
    await h.request('softphoneCandidate', { callId, candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    await h.request('softphoneCandidate', { callId, candidate: null });
    await assert.rejects(h.request('softphoneCandidate', { callId, candidate: { candidate: 'candidate:garbage', sdpMid: '0' } }), remoteCode('UCS_ERR_MEDIA_CANDIDATE_INVALID'));
    await assert.rejects(h.request('softphoneCandidate', { callId, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 50000 typ host', sdpMid: 'video' } }), remoteCode('UCS_ERR_MEDIA_CANDIDATE_INVALID'));

    // The PBX answers with a codec we did not offer: 488-worthy, and the call is still usable.
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    await h.request('pbxCreateOffer', { callId, srtp: 'off' });
    await assert.rejects(h.request('pbxCreateOffer', { callId, srtp: 'off' }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'));
    await assert.rejects(h.request('pbxApplyAnswer', { callId, sdp: fixture('g729-only-offer.sdp') }), remoteCode('UCS_ERR_MEDIA_NO_COMMON_CODEC'));
    assert.deepEqual(await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 9, name: 'G722', rate: 8000 }] }) }), { codec: 'G722', mediaPath: 'pbx' });
    const answer = await h.request('softphoneAnswer', { callId });
    assert.match(answer.sdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 9 126\r$/m, 'G722 with the browser payload types');
    const { quality } = await h.request('close', { callId });
    assert.ok(quality);
    assert.equal((await h.request('close', { callId })).quality, null);
    await h.assertNoTransports();
  });
});
