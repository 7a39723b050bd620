// Mid-call video upgrade and downgrade at the media node: an audio-only call (the softphone offered no
// video m-line) gets a video m-line toward the PBX by our re-offer (pbx.video-offer), the PBX's answer
// fixes the codec, the softphone's re-offer with video is answered in that codec and gives a camera
// Producer; the downgrade writes m=video 0 and drops both sides' video. A PBX re-INVITE that adds video
// marks the softphone for a re-offer (softphone.create-reoffer / apply-reanswer).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '@ucserver/testkit';
import { FakePbx } from '../support/FakePbx.ts';
import { startHarness } from '../support/harness.ts';
import { fixture } from '../sdp/fixtures.ts';

const avOffer = fixture('chromium-av-data-offer.sdp');

/** The softphone's offer without its video and data m-lines: an audio-only call (same ICE and DTLS). */
function audioOnly(sdp: string): string {
  const lines = sdp.split('\r\n');
  const out: string[] = [];
  let keep = true;
  for (const line of lines) {
    if (line.startsWith('m=')) keep = line.startsWith('m=audio ');
    if (line.startsWith('a=group:BUNDLE')) out.push('a=group:BUNDLE 0');
    else if (keep) out.push(line);
  }
  return out.join('\r\n');
}

/** The offer with its video and data m-lines at port 0 (the softphone stopped its video transceiver). */
const videoStopped = (sdp: string): string => sdp.replace(/^m=video \d+ /m, 'm=video 0 ').replace('a=group:BUNDLE 0 1 2', 'a=group:BUNDLE 0 2');

const mlines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m='));

describe('video upgrade and downgrade', { timeout: 60_000 }, () => {
  test('outgoing audio call: pbx.video-offer adds a video m-line, the softphone re-offer takes the PBX\'s codec; the downgrade writes m=video 0 and drops the camera', async (t) => {
    const h = await startHarness(t);
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    const callId = 'up-1';
    await h.request('softphoneOffer', { callId, sdp: audioOnly(avOffer) });
    const offer = await h.request('pbxCreateOffer', { callId, srtp: 'off' });
    assert.deepEqual(mlines(offer.sdp).map((m) => m.split(' ')[0]), ['m=audio'], 'an audio-only INVITE');
    pbx.useRemoteSdp(offer.sdp);
    await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] }) });
    const answer = await h.request('softphoneAnswer', { callId });
    assert.equal(mlines(answer.sdp).length, 1);
    const call = h.app.node.call(callId)!;
    await check(() => call.softphoneLeg?.producer, 5000, { name: 'the microphone Producer' });

    // Nothing to downgrade yet.
    assert.equal((await h.request('pbxVideoOffer', { callId, video: false })).sdp, null);
    // Upgrade toward the PBX: a video m-line after the audio one, on a video leg of its own.
    const up = await h.request('pbxVideoOffer', { callId, video: true });
    const video = mlines(up.sdp!);
    assert.equal(video.length, 2);
    const port = Number(/^m=video (\d+) RTP\/AVP 96 102$/.exec(video[1]!)?.[1]);
    assert.ok(port > 0 && port === call.pbxVideoLeg?.local.port, `video on the video leg's port: ${video[1]}`);
    // A softphone re-offer with video before the PBX agreed: the call cannot carry it yet, port 0.
    assert.match((await h.request('softphoneReoffer', { callId, sdp: avOffer })).sdp, /^m=video 0 /m);
    assert.equal(call.softphoneLeg?.hasVideo, false);
    await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], moreMedia: [[`m=video ${port + 1000} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=sendrecv']] }) });
    assert.equal(call.pbxVideoLeg?.codec?.spec.name, 'VP8');
    assert.equal((await h.request('pbxVideoOffer', { callId, video: true })).sdp, null, 'already video: nothing to change');

    // The softphone's re-offer adds video: answered in VP8 (its number), camera Producer created.
    const reanswer = await h.request('softphoneReoffer', { callId, sdp: avOffer });
    assert.deepEqual(mlines(reanswer.sdp).map((m) => m.replace(/ [1-9]\d* /, ' N ')), ['m=audio N UDP/TLS/RTP/SAVPF 0 126', 'm=video N UDP/TLS/RTP/SAVPF 96', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel']);
    assert.ok(call.softphoneLeg?.hasVideo && call.softphoneLeg.videoProducer, 'the camera is taken');

    // Downgrade: m=video 0 toward the PBX, the answer closes the video leg; the softphone's re-offer drops its camera.
    const down = await h.request('pbxVideoOffer', { callId, video: false });
    assert.match(down.sdp!, /^m=video 0 RTP\/AVP 96 102$/m);
    await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], moreMedia: [['m=video 0 RTP/AVP 96']] }) });
    assert.equal(call.pbxVideoLeg, undefined, 'the PBX video leg closed');
    const dropped = await h.request('softphoneReoffer', { callId, sdp: videoStopped(avOffer) });
    assert.match(dropped.sdp, /^m=video 0 /m);
    assert.equal(call.softphoneLeg?.hasVideo, false);
    await h.request('close', { callId });
    await h.assertNoTransports();
  });
});
