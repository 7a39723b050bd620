// The video m-line toward the PBX: which one of a PBX's SDP is taken (RTP/AVP or RTP/SAVP with a port),
// the codec fixed from it (payload types mapped per direction, RTCP feedback), the Producer/Consumer
// parameters of the PBX video leg, and our SDP with the video m-line next to the audio and declined ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CryptoInvalidError } from '../../src/errors.ts';
import { routerMediaCodecs, videoCodecSpec } from '../../src/sdp/codecs.ts';
import { parsePbxSdp, pbxSdpCodec, writePbxSdp } from '../../src/sdp/pbxSdp.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import {
  offeredPbxVideoCodecs,
  pbxVideoCodec,
  pbxVideoConsumerRtpCapabilities,
  pbxVideoPayloadTypes,
  pbxVideoProducerRtpParameters,
  supportedPbxVideoCodecs,
} from '../../src/sdp/pbxVideoSdp.ts';

const KEY = Buffer.alloc(30, 7).toString('base64');

function pbxSdp(media: string[][], sessionC = '192.0.2.20'): string {
  return ['v=0', 'o=- 1 1 IN IP4 192.0.2.20', 's=-', `c=IN IP4 ${sessionC}`, 't=0 0', ...media.flat(), ''].join('\r\n');
}
const audio = ['m=audio 30000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv'];
const vp8h264 = ['m=video 30002 RTP/AVP 100 99', 'a=rtpmap:100 VP8/90000', 'a=rtcp-fb:100 nack', 'a=rtcp-fb:100 nack pli', 'a=rtcp-fb:100 ccm fir', 'a=rtpmap:99 H264/90000', 'a=fmtp:99 packetization-mode=1;profile-level-id=42e01f', 'a=rtcp:30003', 'a=sendrecv'];

describe('the PBX\'s video m-line', () => {
  const rows = [
    { name: 'none (audio only)', media: [audio], video: undefined },
    { name: 'declined (port 0)', media: [audio, ['m=video 0 RTP/AVP 100']], video: undefined },
    { name: 'WebRTC profile (not a PBX m-line)', media: [audio, ['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=rtpmap:96 VP8/90000']], video: undefined },
    { name: 'RTP/AVP VP8 + H.264 after audio', media: [audio, vp8h264], video: { index: 1, port: 30002, rtcpPort: 30003, rtcpMux: false, secure: false, codecs: ['VP8', 'H264'] } },
    { name: 'rtcp-mux, sendonly (hold)', media: [audio, [...vp8h264.slice(0, -1), 'a=rtcp-mux', 'a=sendonly']], video: { index: 1, port: 30002, rtcpPort: 30003, rtcpMux: true, secure: false, codecs: ['VP8', 'H264'], direction: 'sendonly' } },
    { name: 'video before audio, T.38 between', media: [vp8h264, ['m=image 30004 udptl t38'], audio], video: { index: 0, port: 30002, rtcpPort: 30003, rtcpMux: false, secure: false, codecs: ['VP8', 'H264'] } },
    { name: 'RTP/SAVP with a=crypto', media: [audio, ['m=video 30002 RTP/SAVP 100', 'a=rtpmap:100 VP8/90000', `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]], video: { index: 1, port: 30002, rtcpPort: 30003, rtcpMux: false, secure: true, codecs: ['VP8'] } },
    { name: 'H.263 only (nothing we relay)', media: [audio, ['m=video 30002 RTP/AVP 34', 'a=rtpmap:34 H263/90000']], video: { index: 1, port: 30002, rtcpPort: 30003, rtcpMux: false, secure: false, codecs: [] } },
    { name: 'H.264 in packetization mode 0 only', media: [audio, ['m=video 30002 RTP/AVP 99', 'a=rtpmap:99 H264/90000', 'a=fmtp:99 profile-level-id=42e01f']], video: { index: 1, port: 30002, rtcpPort: 30003, rtcpMux: false, secure: false, codecs: [] } },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.video ? `read at m-line ${row.video.index}, relayable ${JSON.stringify(row.video.codecs)}` : 'not taken'}`, () => {
      const video = parsePbxSdp(pbxSdp(row.media), row.name).video;
      if (!row.video) {
        assert.equal(video, undefined);
        return;
      }
      assert.ok(video);
      const { codecs, direction = 'sendrecv', ...where } = row.video;
      assert.deepEqual({ index: video.index, port: video.port, rtcpPort: video.rtcpPort, rtcpMux: video.rtcpMux, secure: video.secure }, where);
      assert.equal(video.direction, direction);
      assert.equal(video.address, '192.0.2.20');
      assert.deepEqual(supportedPbxVideoCodecs(video.codecs).map((c) => c.spec.name), codecs);
    });
  }

  test('RTP/SAVP video without a=crypto is a clear error', () => {
    assert.throws(() => parsePbxSdp(pbxSdp([audio, ['m=video 30002 RTP/SAVP 100', 'a=rtpmap:100 VP8/90000']]), 'PBX offer'), CryptoInvalidError);
  });

  test('the router numbers VP8 and H.264 as the PBX did (a call the PBX started)', () => {
    const video = parsePbxSdp(pbxSdp([audio, vp8h264]), 'offer').video!;
    const pts = pbxVideoPayloadTypes(video.codecs);
    assert.deepEqual([...pts], [['video/vp8/90000', 100], ['video/h264/90000', 99]]);
    const router = routerMediaCodecs(pts).filter((c) => c.kind === 'video');
    assert.deepEqual(router.map((c) => [c.mimeType, c.preferredPayloadType]), [['video/VP8', 100], ['video/H264', 99]]);
  });
});

describe('the PBX video codec: payload types per direction, RTCP feedback', () => {
  const rows = [
    { name: 'PBX renumbers VP8 (100), feedback as ours', lines: vp8h264, codec: 'VP8' as const, ours: 96, send: 100, feedback: ['nack', 'nack pli', 'ccm fir'] },
    { name: 'H.264 pm1 with no a=rtcp-fb (a desk phone): PLI and FIR assumed', lines: ['m=video 30002 RTP/AVP 99', 'a=rtpmap:99 H264/90000', 'a=fmtp:99 packetization-mode=1'], codec: 'H264' as const, ours: 102, send: 99, feedback: ['nack pli', 'ccm fir'] },
    { name: 'wildcard rtcp-fb: nack only', lines: ['m=video 30002 RTP/AVP 97', 'a=rtpmap:97 VP8/90000', 'a=rtcp-fb:* nack'], codec: 'VP8' as const, ours: 96, send: 97, feedback: ['nack'] },
    { name: 'goog-remb and transport-cc are not relayed toward the PBX', lines: ['m=video 30002 RTP/AVP 96', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 goog-remb', 'a=rtcp-fb:96 transport-cc', 'a=rtcp-fb:96 ccm fir'], codec: 'VP8' as const, ours: 96, send: 96, feedback: ['ccm fir'] },
  ];
  for (const row of rows) {
    test(`${row.name}: we send ${row.send}, receive ${row.ours}, feedback ${row.feedback.join(', ')}`, () => {
      const video = parsePbxSdp(pbxSdp([audio, row.lines]), row.name).video!;
      const codec = pbxVideoCodec(video.codecs, row.codec, row.ours)!;
      assert.equal(codec.sendPayloadType, row.send);
      assert.equal(codec.recvPayloadType, row.ours);
      assert.deepEqual(codec.rtcpFeedback.map((f) => `${f.type} ${f.parameter}`.trim()), row.feedback);
      // What the PBX sends arrives with our number; what it receives leaves with its own; no RTX.
      const producer = pbxVideoProducerRtpParameters(codec, 0x1234);
      assert.deepEqual(producer.codecs.map((c) => [c.mimeType, c.payloadType]), [[`video/${row.codec}`, row.ours]]);
      assert.deepEqual(producer.encodings, [{ ssrc: 0x1234 }]);
      assert.deepEqual(producer.codecs[0]!.rtcpFeedback, codec.rtcpFeedback, 'mediasoup may send the PBX PLI/FIR only with this feedback');
      const consumer = pbxVideoConsumerRtpCapabilities(codec);
      assert.deepEqual(consumer.codecs!.map((c) => [c.kind, c.mimeType, c.preferredPayloadType]), [['video', `video/${row.codec}`, row.send]]);
      assert.deepEqual(consumer.headerExtensions, []);
    });
  }

  test('a codec the PBX does not have gives none', () => {
    const video = parsePbxSdp(pbxSdp([audio, ['m=video 30002 RTP/AVP 100', 'a=rtpmap:100 VP8/90000']]), 'answer').video!;
    assert.equal(pbxVideoCodec(video.codecs, 'H264', 102), undefined);
  });
});

describe('our SDP toward the PBX with a video m-line', () => {
  const base = {
    sessionId: '1',
    sessionVersion: 1,
    address: '192.0.2.1',
    port: 40000,
    rtcpPort: 40001,
    rtcpMux: true,
    crypto: undefined,
    codecs: [pbxSdpCodec(codecSpec('PCMU'), 0, undefined)],
    direction: 'sendrecv' as const,
    ptime: 20,
  };
  const video = { index: 1, port: 40002, rtcpPort: 40003, rtcpMux: true, crypto: undefined, codecs: offeredPbxVideoCodecs(['VP8', 'H264'], new Map([['video/vp8/90000', 96], ['video/h264/90000', 102]])), direction: 'sendrecv' as const };

  test('our offer: audio, then video with its own port, rtcp-fb nack / nack pli / ccm fir per codec, a=rtcp and a=rtcp-mux', () => {
    const sdp = writePbxSdp({ ...base, video });
    const lines = sdp.split('\r\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('m=')), ['m=audio 40000 RTP/AVP 0', 'm=video 40002 RTP/AVP 96 102']);
    const v = lines.slice(lines.indexOf('m=video 40002 RTP/AVP 96 102'));
    for (const pt of [96, 102]) assert.deepEqual(v.filter((l) => l.startsWith(`a=rtcp-fb:${pt} `)), [`a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`, `a=rtcp-fb:${pt} ccm fir`]);
    assert.ok(v.includes(`a=fmtp:102 ${videoCodecSpec('H264').fmtp}`));
    assert.ok(v.includes('a=rtcp:40003') && v.includes('a=rtcp-mux') && v.includes('a=sendrecv'));
    // Read back as a PBX would: both m-lines, the video one at its port with our numbers.
    const back = parsePbxSdp(sdp, 'our offer');
    assert.equal(back.video?.port, 40002);
    assert.deepEqual(supportedPbxVideoCodecs(back.video!.codecs).map((c) => [c.spec.name, c.sdp.payloadType]), [['VP8', 96], ['H264', 102]]);
  });

  test('SRTP: the video m-line is RTP/SAVP with its own key', () => {
    const parameters = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: KEY };
    const sdp = writePbxSdp({ ...base, crypto: { tag: 1, parameters }, video: { ...video, crypto: { tag: 2, parameters } } });
    assert.match(sdp, /^m=video 40002 RTP\/SAVP 96 102\r$/m);
    assert.match(sdp, /^a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:/m);
  });

  test('an answer mirrors the PBX\'s m-lines: our video at its index, T.38 declined; a video we do not take is declined', () => {
    const offer = parsePbxSdp(pbxSdp([audio, ['m=image 30004 udptl t38'], vp8h264]), 'offer');
    const layout = { mlines: offer.mlines, index: offer.audioIndex };
    const taken = writePbxSdp({ ...base, layout, video: { ...video, index: offer.video!.index, codecs: video.codecs.slice(0, 1) } });
    assert.deepEqual(taken.split('\r\n').filter((l) => l.startsWith('m=')), ['m=audio 40000 RTP/AVP 0', 'm=image 0 udptl t38', 'm=video 40002 RTP/AVP 96']);
    const declined = writePbxSdp({ ...base, layout });
    assert.deepEqual(declined.split('\r\n').filter((l) => l.startsWith('m=')), ['m=audio 40000 RTP/AVP 0', 'm=image 0 udptl t38', 'm=video 0 RTP/AVP 100 99']);
  });
});
