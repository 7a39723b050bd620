import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IceCandidate } from 'mediasoup/types';
import { DtlsInvalidError, IceInvalidError, NoAudioError, NoCommonCodecError, SdpInvalidError } from '../../src/errors.ts';
import {
  answerSetup,
  browserMlineCodec,
  consumerRtpCapabilities,
  negotiatedHeaderExtensions,
  offeredHeaderExtensions,
  offeredMlineCodec,
  parseBrowserSdp,
  producerRtpParameters,
  remoteDtlsParameters,
  writeBrowserSdp,
} from '../../src/sdp/browserSdp.ts';
import { requireSupportedCodecs } from '../../src/sdp/negotiation.ts';
import { fixture, replaced, without } from './fixtures.ts';

const chromium = fixture('chromium-offer.sdp');
const firefox = fixture('firefox-offer.sdp');
const safari = fixture('safari-offer.sdp');

describe('parseBrowserSdp()', () => {
  const ok = [
    // exts: the extensions accepted. MID is declined when numbered unlike mediasoup's (1) and an a=ssrc exists.
    { name: 'Chromium offer (captured)', input: chromium, mid: '0', codecs: ['opus', 'G722', 'PCMU', 'PCMA'], ssrc: 2372940544, setup: 'actpass', bundle: true, exts: ['abs-send-time', 'ssrc-audio-level'] },
    { name: 'Firefox offer (session-level ICE and fingerprint)', input: firefox, mid: '0', codecs: ['opus', 'G722', 'PCMU', 'PCMA'], ssrc: 2825437361, setup: 'actpass', bundle: true, exts: ['ssrc-audio-level'] },
    { name: 'Safari offer', input: safari, mid: '0', codecs: ['opus', 'G722', 'PCMU', 'PCMA'], ssrc: 3141592653, setup: 'actpass', bundle: true, exts: ['abs-send-time', 'ssrc-audio-level'] },
    { name: 'offer without a=ssrc keeps MID (the only way to match its stream)', input: without(chromium, /^a=ssrc:/), mid: '0', codecs: ['opus', 'G722', 'PCMU', 'PCMA'], ssrc: undefined, setup: 'actpass', bundle: true, exts: ['abs-send-time', 'sdes:mid', 'ssrc-audio-level'] },
    { name: 'offer numbering MID like mediasoup keeps it', input: replaced(replaced(chromium, 'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:9 urn:ietf:params:rtp-hdrext:ssrc-audio-level'), 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid'), mid: '0', codecs: ['opus', 'G722', 'PCMU', 'PCMA'], ssrc: 2372940544, setup: 'actpass', bundle: true, exts: ['abs-send-time', 'sdes:mid', 'ssrc-audio-level'] },
  ];
  for (const row of ok) {
    test(`${row.name} yields mid, codecs in order, SSRC and DTLS`, () => {
      const d = parseBrowserSdp(row.input, 'offer');
      assert.equal(d.mid, row.mid);
      assert.deepEqual(requireSupportedCodecs(d.codecs, 'x').map((c) => c.spec.name), row.codecs);
      assert.equal(d.ssrc, row.ssrc);
      assert.equal(d.setup, row.setup);
      assert.equal(d.bundle, row.bundle);
      assert.equal(d.fingerprints[0]!.algorithm, 'sha-256');
      assert.deepEqual(negotiatedHeaderExtensions(d).map((e) => e.uri.split(/[/:]/).pop() === 'mid' ? 'sdes:mid' : e.uri.replace(/^.*[/:]/, '')).sort(), row.exts);
    });
  }

  test('Chromium answer (captured) parses with setup:active and our payload types', () => {
    const d = parseBrowserSdp(fixture('chromium-answer.sdp'), 'answer');
    assert.equal(d.setup, 'active');
    assert.deepEqual(d.codecs.map((c) => c.payloadType), [8, 101]);
    assert.deepEqual(remoteDtlsParameters(d).role, 'client');
  });

  const bad = [
    { name: 'garbage', input: fixture('garbage.txt'), error: SdpInvalidError },
    { name: 'empty lines inside', input: chromium.replace('s=-\r\n', 's=-\r\n\r\n'), error: SdpInvalidError },
    { name: 'no o= line', input: without(chromium, /^o=/), error: SdpInvalidError },
    { name: 'no audio m-line', input: fixture('video-only-offer.sdp'), error: NoAudioError },
    { name: 'plain RTP/AVP from a softphone', input: replaced(chromium, 'UDP/TLS/RTP/SAVPF', 'RTP/AVP'), error: SdpInvalidError },
    { name: 'missing a=mid', input: without(chromium, /^a=mid:/), error: SdpInvalidError },
    { name: 'missing a=ice-ufrag', input: without(chromium, /^a=ice-ufrag:/), error: IceInvalidError },
    { name: 'too short a=ice-pwd', input: replaced(chromium, /a=ice-pwd:\S+/, 'a=ice-pwd:short'), error: IceInvalidError },
    { name: 'missing a=fingerprint', input: without(chromium, /^a=fingerprint:/), error: DtlsInvalidError },
    { name: 'unknown fingerprint hash algorithm', input: replaced(chromium, 'a=fingerprint:sha-256', 'a=fingerprint:md5'), error: DtlsInvalidError },
    { name: 'fingerprint of the wrong length', input: replaced(chromium, /a=fingerprint:sha-256 \S+/, 'a=fingerprint:sha-256 AB:CD'), error: DtlsInvalidError },
    { name: 'a=setup:holdconn', input: replaced(chromium, 'a=setup:actpass', 'a=setup:holdconn'), error: DtlsInvalidError },
    { name: 'missing a=rtcp-mux', input: without(chromium, /^a=rtcp-mux/), error: SdpInvalidError },
    { name: 'payload type out of range', input: replaced(chromium, 'SAVPF 111 63', 'SAVPF 300 63'), error: SdpInvalidError },
  ];
  for (const row of bad) {
    test(`${row.name} rejects with ${row.error.name}`, () => {
      assert.throws(() => parseBrowserSdp(row.input, 'offer'), row.error);
    });
  }

  test('an answer with a=setup:actpass rejects with DtlsInvalidError', () => {
    assert.throws(() => parseBrowserSdp(chromium, 'answer'), DtlsInvalidError);
  });

  test('offer with only unsupported codecs rejects with NoCommonCodecError listing them', () => {
    const onlyIsac = replaced(chromium, /m=audio (\d+) UDP\/TLS\/RTP\/SAVPF .*/, 'm=audio $1 UDP/TLS/RTP/SAVPF 63 13');
    const d = parseBrowserSdp(onlyIsac, 'offer');
    assert.throws(() => requireSupportedCodecs(d.codecs, 'softphone offer'), (err: unknown) => err instanceof NoCommonCodecError && err.offered.includes('red/48000'));
  });
});

describe('softphone media parameters', () => {
  test('producerRtpParameters() uses the browser payload types, SSRC, mid and negotiated extensions', () => {
    const d = parseBrowserSdp(chromium, 'offer');
    const codec = browserMlineCodec(d, 'opus', true)!;
    const p = producerRtpParameters(d, codec);
    assert.equal(p.mid, '0');
    assert.deepEqual(p.codecs.map((c) => [c.mimeType, c.payloadType, c.clockRate]), [['audio/opus', 111, 48000], ['audio/telephone-event', 110, 48000]]);
    assert.deepEqual(p.encodings, [{ ssrc: 2372940544 }]);
    assert.deepEqual(p.codecs[0]!.parameters, { minptime: 10, useinbandfec: 1 });
    assert.deepEqual(p.headerExtensions!.map((e) => [e.uri, e.id]).sort(), [['http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 2], ['urn:ietf:params:rtp-hdrext:ssrc-audio-level', 1]], 'the browser ids; MID declined');
    assert.equal(p.rtcp!.cname, '9RmMvlRBbZDtcGL7');
  });

  test('producerRtpParameters() without a=ssrc leaves the encoding to MID matching', () => {
    const d = parseBrowserSdp(without(chromium, /^a=ssrc:/), 'offer');
    assert.deepEqual(producerRtpParameters(d, browserMlineCodec(d, 'PCMU', false)!).encodings, [{}]);
  });

  test('G.711 picks telephone-event/8000, opus telephone-event/48000', () => {
    const d = parseBrowserSdp(chromium, 'offer');
    assert.deepEqual(browserMlineCodec(d, 'PCMA', true)!.telephoneEvent, { payloadType: 126, clockRate: 8000 });
    assert.deepEqual(browserMlineCodec(d, 'opus', true)!.telephoneEvent, { payloadType: 110, clockRate: 48000 });
    assert.equal(browserMlineCodec(d, 'PCMA', false)!.telephoneEvent, undefined);
    assert.equal(browserMlineCodec(parseBrowserSdp(firefox, 'offer'), 'opus', true)!.telephoneEvent, undefined);
  });

  test('consumerRtpCapabilities() asks for the browser payload type and extension ids', () => {
    const d = parseBrowserSdp(chromium, 'offer');
    const caps = consumerRtpCapabilities(d, browserMlineCodec(d, 'G722', true)!);
    assert.deepEqual(caps.codecs!.map((c) => [c.mimeType, c.preferredPayloadType]), [['audio/G722', 9], ['audio/telephone-event', 126]]);
    assert.deepEqual(caps.headerExtensions!.map((e) => e.preferredId).sort(), [1, 2]);
  });

  test('answerSetup() is passive for actpass and active offers, active for passive ones', () => {
    const d = parseBrowserSdp(chromium, 'offer');
    assert.equal(answerSetup(d), 'passive');
    assert.equal(answerSetup({ ...d, setup: 'passive' }), 'active');
    assert.equal(remoteDtlsParameters({ ...d, setup: 'passive' }).role, 'server');
  });
});

describe('writeBrowserSdp()', () => {
  const candidates: IceCandidate[] = [
    { foundation: 'udpcandidate', priority: 1076302079, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 40123, type: 'host' },
    { foundation: 'tcpcandidate', priority: 1076276479, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'tcp', port: 40124, type: 'host', tcpType: 'passive' },
  ];
  const base = {
    sessionId: '123',
    sessionVersion: 1,
    iceUfrag: 'abcdabcdabcdabcd',
    icePwd: 'abcdabcdabcdabcdabcdabcdabcdabcd',
    candidates,
    fingerprint: { algorithm: 'sha-256' as const, value: Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':') },
    msid: { streamId: 's1', trackId: 't1' },
    ptime: undefined,
  };

  test('an answer for the Chromium offer is ICE-lite, passive, one codec, no a=ssrc, and parses back', () => {
    const offer = parseBrowserSdp(chromium, 'offer');
    const sdp = writeBrowserSdp({
      ...base,
      type: 'answer',
      mid: offer.mid,
      bundle: offer.bundle,
      setup: answerSetup(offer),
      codec: browserMlineCodec(offer, 'PCMU', true)!,
      headerExtensions: negotiatedHeaderExtensions(offer),
      direction: 'sendrecv',
      rtcpRsize: true,
    });
    for (const line of ['a=ice-lite', 'a=group:BUNDLE 0', 'm=audio 40123 UDP/TLS/RTP/SAVPF 0 126', 'c=IN IP4 127.0.0.1', 'a=setup:passive', 'a=rtcp-mux', 'a=rtcp-rsize', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:126 telephone-event/8000', 'a=msid:s1 t1', 'a=end-of-candidates', 'a=candidate:tcpcandidate 1 tcp 1076276479 127.0.0.1 40124 typ host tcptype passive', 'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time']) {
      assert.ok(sdp.includes(`${line}\r\n`), `missing '${line}'`);
    }
    assert.ok(!sdp.includes('a=ssrc'), 'no a=ssrc (the downlink source can change)');
    assert.ok(!sdp.includes('sdes:mid'), 'MID declined: Chromium numbers it 4, mediasoup Consumers write 1');
    assert.ok(!sdp.includes('transport-wide-cc'), 'TWCC not negotiated for audio');
    // Round trip: the answer is a valid softphone SDP in its own right (a=setup:passive as an answer).
    const back = parseBrowserSdp(sdp, 'answer');
    assert.deepEqual(back.codecs.map((c) => c.payloadType), [0, 126]);
    assert.equal(back.setup, 'passive');
  });

  test('our offer for an incoming call is actpass with our payload types and extensions, and round-trips', () => {
    const sdp = writeBrowserSdp({ ...base, type: 'offer', mid: '0', bundle: true, setup: 'actpass', codec: offeredMlineCodec('opus', true, new Map([['audio/opus/48000', 111], ['audio/telephone-event/48000', 110]])), headerExtensions: offeredHeaderExtensions(), direction: 'sendrecv', rtcpRsize: true, ptime: 20 });
    const back = parseBrowserSdp(sdp, 'offer');
    assert.equal(back.setup, 'actpass');
    assert.deepEqual(back.codecs.map((c) => [c.name, c.payloadType, c.fmtp]), [['opus', 111, 'minptime=10;useinbandfec=1'], ['telephone-event', 110, '0-16']]);
    assert.equal(back.ptime, 20);
    assert.deepEqual(back.headerExtensions.map((e) => e.id), [1, 6, 4]);
  });
});
