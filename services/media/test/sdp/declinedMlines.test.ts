// Every m-line the node does not take (video it cannot carry, a data channel, T.38, a second audio)
// comes back in the answer, in the offer's order, with port 0 (RFC 3264 §6; JSEP keeps its a=mid), on
// the softphone side and toward the PBX alike; browsers refuse an answer whose m-lines differ.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IceCandidate } from 'mediasoup/types';
import { answerSetup, browserMlineCodec, negotiatedHeaderExtensions, parseBrowserSdp, writeBrowserSdp } from '../../src/sdp/browserSdp.ts';
import { parsePbxSdp, pbxSdpCodec, writePbxSdp } from '../../src/sdp/pbxSdp.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import { fixture, replaced } from './fixtures.ts';

/** `sdp` with its m-sections put in the order `order` (indexes into the original m-sections). */
function reordered(sdp: string, order: number[]): string {
  const [head, ...sections] = sdp.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '').split(/\r\n(?=m=)/);
  return [head, ...order.map((i) => sections[i]!)].join('\r\n') + '\r\n';
}

/** The m= lines of an SDP, without the trailing CR. */
const mlines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m='));
/** The a=mid values of an SDP, in order. */
const mids = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('a=mid:')).map((l) => l.slice(6));

const avData = fixture('chromium-av-data-offer.sdp');
const chromiumVideoFormats = /^m=video \d+ \S+ (.*)$/m.exec(avData)![1]!.trim();

describe('softphone answer: declined m-lines', () => {
  const candidates: IceCandidate[] = [{ foundation: 'udpcandidate', priority: 1076302079, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 40123, type: 'host' }];
  const base = {
    type: 'answer' as const,
    sessionId: '123',
    sessionVersion: 1,
    iceUfrag: 'abcdabcdabcdabcd',
    icePwd: 'abcdabcdabcdabcdabcdabcdabcdabcd',
    candidates,
    fingerprint: { algorithm: 'sha-256' as const, value: Array.from({ length: 32 }, () => 'AB').join(':') },
    msid: { streamId: 's1', trackId: 't1' },
    ptime: undefined,
  };
  const rows = [
    {
      name: 'Chromium audio + video + data channel (captured)',
      offer: avData,
      mlines: ['m=audio 40123 UDP/TLS/RTP/SAVPF 0 126', `m=video 0 UDP/TLS/RTP/SAVPF ${chromiumVideoFormats}`, 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel'],
      mids: ['0', '1', '2'],
    },
    {
      name: 'video before audio',
      offer: reordered(avData, [1, 0, 2]),
      mlines: [`m=video 0 UDP/TLS/RTP/SAVPF ${chromiumVideoFormats}`, 'm=audio 40123 UDP/TLS/RTP/SAVPF 0 126', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel'],
      mids: ['1', '0', '2'],
    },
    {
      name: 'data channel only besides audio',
      offer: reordered(avData, [0, 2]),
      mlines: ['m=audio 40123 UDP/TLS/RTP/SAVPF 0 126', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel'],
      mids: ['0', '2'],
    },
    {
      name: 'audio alone (captured Chromium audio offer)',
      offer: fixture('chromium-offer.sdp'),
      mlines: ['m=audio 40123 UDP/TLS/RTP/SAVPF 0 126'],
      mids: ['0'],
    },
  ];
  for (const row of rows) {
    test(`${row.name}: every m-line in order, the ones not taken with port 0 and their a=mid, BUNDLE only the audio`, () => {
      const offer = parseBrowserSdp(row.offer, 'offer');
      const sdp = writeBrowserSdp({
        ...base,
        mid: offer.mid,
        bundle: offer.bundle,
        setup: answerSetup(offer),
        codec: browserMlineCodec(offer, 'PCMU', true)!,
        headerExtensions: negotiatedHeaderExtensions(offer),
        direction: 'sendrecv',
        rtcpRsize: true,
        layout: { mlines: offer.mlines, index: offer.audioIndex },
      });
      assert.deepEqual(mlines(sdp), row.mlines);
      assert.deepEqual(mids(sdp), row.mids);
      assert.match(sdp, /^a=group:BUNDLE 0\r$/m, 'a declined m-line is not bundled');
      // The answer parses back to the same audio m-line.
      const back = parseBrowserSdp(sdp, 'answer');
      assert.equal(back.mid, '0');
      assert.equal(back.audioIndex, row.mlines.findIndex((l) => l.startsWith('m=audio')));
      assert.deepEqual(back.codecs.map((c) => c.payloadType), [0, 126]);
    });
  }

  test('an audio m-line the softphone itself disabled (port 0) stays declined; the usable one after it is answered', () => {
    const twoAudio = reordered(replaced(avData, /^m=video 9 \S+ .*\r$/m, 'm=audio 0 UDP/TLS/RTP/SAVPF 0\r'), [1, 0, 2]);
    const offer = parseBrowserSdp(twoAudio, 'offer');
    assert.equal(offer.audioIndex, 1);
    assert.equal(offer.mid, '0');
    assert.deepEqual(offer.mlines.map((m) => [m.type, m.mid]), [['audio', '1'], ['audio', '0'], ['application', '2']]);
    const sdp = writeBrowserSdp({ ...base, mid: offer.mid, bundle: offer.bundle, setup: 'passive', codec: browserMlineCodec(offer, 'PCMU', false)!, headerExtensions: [], direction: 'sendrecv', rtcpRsize: true, layout: { mlines: offer.mlines, index: offer.audioIndex } });
    assert.deepEqual(mlines(sdp), ['m=audio 0 UDP/TLS/RTP/SAVPF 0', 'm=audio 40123 UDP/TLS/RTP/SAVPF 0', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel']);
  });
});

describe('PBX answer and later offers: declined m-lines', () => {
  const asterisk = fixture('asterisk-offer.sdp');
  const video = 'm=video 10600 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\na=rtpmap:97 VP8/90000\r\na=sendrecv\r\n';
  const rows = [
    { name: 'audio + video (RTP/AVP)', offer: `${asterisk}${video}`, mlines: ['m=audio 40000 RTP/AVP 0 101', 'm=video 0 RTP/AVP 96 97'] },
    { name: 'video before audio', offer: reordered(`${asterisk}${video}`, [1, 0]), mlines: ['m=video 0 RTP/AVP 96 97', 'm=audio 40000 RTP/AVP 0 101'] },
    { name: 'audio + T.38 image', offer: `${asterisk}m=image 10602 udptl t38\r\na=T38FaxVersion:0\r\n`, mlines: ['m=audio 40000 RTP/AVP 0 101', 'm=image 0 udptl t38'] },
    { name: 'SDES audio + SDES video', offer: `${fixture('sdes-offer.sdp')}m=video 10602 RTP/SAVP 96\r\na=rtpmap:96 VP8/90000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:Oqqa6yZ1nRSvQXgHkWNhRzn1dXaULeNbyJ7sCvtp\r\n`, mlines: ['m=audio 40000 RTP/AVP 0 101', 'm=video 0 RTP/SAVP 96'] },
    { name: 'a second audio m-line', offer: `${asterisk}m=audio 10700 RTP/AVP 8\r\n`, mlines: ['m=audio 40000 RTP/AVP 0 101', 'm=audio 0 RTP/AVP 8'] },
    { name: 'audio alone', offer: asterisk, mlines: ['m=audio 40000 RTP/AVP 0 101'] },
  ];
  for (const row of rows) {
    test(`${row.name}: our SDP repeats every m-line in order, the ones not taken with port 0`, () => {
      const offer = parsePbxSdp(row.offer, 'PBX offer');
      const sdp = writePbxSdp({
        sessionId: '1',
        sessionVersion: 1,
        address: '127.0.0.1',
        port: 40000,
        rtcpPort: undefined,
        rtcpMux: false,
        crypto: undefined,
        codecs: [pbxSdpCodec(codecSpec('PCMU'), 0, undefined), { payloadType: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-16' }],
        direction: 'sendrecv',
        ptime: 20,
        layout: { mlines: offer.mlines, index: offer.audioIndex },
      });
      assert.deepEqual(mlines(sdp), row.mlines);
      const back = parsePbxSdp(sdp, 'our answer');
      assert.equal(back.port, 40000, 'the audio m-line is the usable one');
      assert.equal(back.audioIndex, row.mlines.findIndex((l) => l.startsWith('m=audio 40000')));
    });
  }
});
