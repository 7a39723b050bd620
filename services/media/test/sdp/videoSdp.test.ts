// The softphone's video m-line: which one is taken (bundled, DTLS-SRTP, port not 0), its codecs (VP8,
// H.264 in packetization mode 1 only), the feedback and extensions kept, the Producer/Consumer
// parameters, and the accepted video m-line in our answer next to the declined ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answerSetup, browserMlineCodec, negotiatedHeaderExtensions, parseBrowserSdp, writeBrowserSdp } from '../../src/sdp/browserSdp.ts';
import { routerMediaCodecs } from '../../src/sdp/codecs.ts';
import { browserVideoCodec, negotiatedVideoExtensions, offeredVideoCodec, videoCodecNames, videoConsumerRtpCapabilities, videoPayloadTypes, videoProducerRtpParameters } from '../../src/sdp/videoSdp.ts';
import { fixture, replaced } from './fixtures.ts';

const avData = fixture('chromium-av-data-offer.sdp');

describe('softphone video m-line', () => {
  const rows = [
    { name: 'Chromium A/V/data offer (captured)', sdp: avData, taken: true, codecs: ['VP8', 'H264'] },
    { name: 'video at port 0 (the softphone disabled it)', sdp: replaced(avData, /^m=video 9 /m, 'm=video 0 '), taken: false, codecs: [] },
    { name: 'video not in the BUNDLE group', sdp: replaced(avData, 'a=group:BUNDLE 0 1 2', 'a=group:BUNDLE 0 2'), taken: false, codecs: [] },
    { name: 'H.264 only in packetization mode 0', sdp: replaced(avData, /^m=video 9 (\S+) .*$/m, 'm=video 9 $1 104'), taken: true, codecs: [] },
    { name: 'VP9 and AV1 only', sdp: replaced(avData, /^m=video 9 (\S+) .*$/m, 'm=video 9 $1 98 45'), taken: true, codecs: [] },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.taken ? 'read' : 'not taken'}, relayable codecs ${JSON.stringify(row.codecs)}`, () => {
      const d = parseBrowserSdp(row.sdp, 'offer');
      assert.equal(d.video !== undefined, row.taken);
      if (d.video) assert.deepEqual(videoCodecNames(d.video), row.codecs);
    });
  }

  test('VP8: the softphone\'s payload type, supported feedback (no transport-cc), SSRC of the FID group, extensions without MID at another id', () => {
    const video = parseBrowserSdp(avData, 'offer').video!;
    assert.equal(video.mid, '1');
    assert.equal(video.index, 1);
    const codec = browserVideoCodec(video, 'VP8')!;
    assert.equal(codec.payloadType, 96);
    assert.deepEqual(codec.rtcpFeedback.map((f) => `${f.type} ${f.parameter}`.trim()), ['goog-remb', 'ccm fir', 'nack', 'nack pli']);
    const fid = /^a=ssrc-group:FID (\d+) \d+\r$/m.exec(avData)![1];
    const p = videoProducerRtpParameters(video, codec, true);
    assert.deepEqual(p.encodings, [{ ssrc: Number(fid) }]);
    assert.equal(p.mid, '1');
    assert.deepEqual(negotiatedVideoExtensions(video).map((e) => e.uri).sort(), ['http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 'urn:3gpp:video-orientation', 'urn:ietf:params:rtp-hdrext:toffset']);
    const caps = videoConsumerRtpCapabilities(video, codec);
    assert.deepEqual(caps.codecs!.map((c) => [c.kind, c.mimeType, c.preferredPayloadType]), [['video', 'video/VP8', 96]]);
  });

  test('H.264: the first packetization-mode=1 entry; the router numbers VP8 and H.264 as the softphone did', () => {
    const video = parseBrowserSdp(avData, 'offer').video!;
    assert.equal(browserVideoCodec(video, 'H264')!.payloadType, 102);
    const pts = videoPayloadTypes(video);
    assert.deepEqual([...pts], [['video/vp8/90000', 96], ['video/h264/90000', 102]]);
    const router = routerMediaCodecs(pts).filter((c) => c.kind === 'video');
    assert.deepEqual(router.map((c) => [c.mimeType, c.preferredPayloadType]), [['video/VP8', 96], ['video/H264', 102]]);
    assert.equal(router[1]!.parameters!['packetization-mode'], 1);
    assert.deepEqual(offeredVideoCodec('H264', pts).payloadType, 102);
  });

  test('our answer takes the video m-line (bundled with audio, same port) and declines the data channel', () => {
    const offer = parseBrowserSdp(avData, 'offer');
    const video = offer.video!;
    const sdp = writeBrowserSdp({
      type: 'answer',
      sessionId: '1',
      sessionVersion: 1,
      iceUfrag: 'abcdabcdabcdabcd',
      icePwd: 'abcdabcdabcdabcdabcdabcdabcdabcd',
      candidates: [{ foundation: 'u', priority: 1, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 40123, type: 'host' }],
      fingerprint: { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') },
      msid: { streamId: 's', trackId: 'a' },
      ptime: undefined,
      mid: offer.mid,
      bundle: true,
      setup: answerSetup(offer),
      codec: browserMlineCodec(offer, 'PCMU', true)!,
      headerExtensions: negotiatedHeaderExtensions(offer),
      direction: 'sendrecv',
      rtcpRsize: true,
      layout: { mlines: offer.mlines, index: offer.audioIndex },
      video: { index: video.index, mid: video.mid, codec: browserVideoCodec(video, 'VP8')!, headerExtensions: negotiatedVideoExtensions(video), direction: 'sendrecv', trackId: 'v' },
    });
    assert.deepEqual(sdp.split('\r\n').filter((l) => l.startsWith('m=')), ['m=audio 40123 UDP/TLS/RTP/SAVPF 0 126', 'm=video 40123 UDP/TLS/RTP/SAVPF 96', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel']);
    assert.match(sdp, /^a=group:BUNDLE 0 1\r$/m);
    for (const line of ['a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', 'a=rtcp-fb:96 ccm fir', 'a=rtcp-fb:96 goog-remb', 'a=msid:s v']) assert.ok(sdp.includes(`${line}\r\n`), `missing '${line}'`);
    const back = parseBrowserSdp(sdp, 'answer');
    assert.equal(back.video?.mid, '1');
    assert.deepEqual(back.video && videoCodecNames(back.video), ['VP8']);
  });
});
