import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CryptoInvalidError, NoAudioError, NoCommonCodecError, SdpInvalidError } from '../../src/errors.ts';
import { answerDirection, intersectDirection } from '../../src/sdp/direction.ts';
import { requireSupportedCodecs } from '../../src/sdp/negotiation.ts';
import { parsePbxSdp, pbxCodec, pbxConsumerRtpCapabilities, pbxProducerRtpParameters, pbxSdpCodec, telephoneEventSdpCodec, writePbxSdp } from '../../src/sdp/pbxSdp.ts';
import { codecSpec } from '../../src/sdp/codecs.ts';
import { fixture, replaced } from './fixtures.ts';

describe('parsePbxSdp()', () => {
  const ok = [
    { name: 'Asterisk offer', file: 'asterisk-offer.sdp', address: '192.0.2.10', port: 10562, rtcpPort: 10563, rtcpMux: false, secure: false, first: 'PCMU', direction: 'sendrecv', ptime: 20 },
    { name: 'Kamailio/rtpengine offer with a=rtcp', file: 'kamailio-rtpengine-offer.sdp', address: '192.0.2.20', port: 30002, rtcpPort: 30003, rtcpMux: false, secure: false, first: 'PCMA', direction: 'sendrecv', ptime: 20 },
    { name: 'FreeSWITCH opus offer with rtcp-mux and a=ssrc', file: 'rtcp-mux-opus-offer.sdp', address: '192.0.2.30', port: 24000, rtcpPort: 24000, rtcpMux: true, secure: false, first: 'opus', direction: 'sendrecv', ptime: 20 },
    { name: 'SDES offer (two crypto lines, ptime 30)', file: 'sdes-offer.sdp', address: '192.0.2.10', port: 10564, rtcpPort: 10565, rtcpMux: false, secure: true, first: 'PCMA', direction: 'sendrecv', ptime: 30 },
    { name: 'hold re-INVITE (sendonly)', file: 'hold-sendonly-offer.sdp', address: '192.0.2.10', port: 10562, rtcpPort: 10563, rtcpMux: false, secure: false, first: 'PCMU', direction: 'sendonly', ptime: 20 },
    { name: 'RFC 2543 hold (c=0.0.0.0)', file: 'hold-null-address-offer.sdp', address: '0.0.0.0', port: 10562, rtcpPort: 10563, rtcpMux: false, secure: false, first: 'PCMU', direction: 'sendonly', ptime: undefined },
    { name: 'static payload types without rtpmap (SIPp)', file: 'static-only-offer.sdp', address: '192.0.2.40', port: 6000, rtcpPort: 6001, rtcpMux: false, secure: false, first: 'PCMA', direction: 'inactive', ptime: undefined },
  ];
  for (const row of ok) {
    test(`${row.name} yields address, RTCP, profile, direction and codecs`, () => {
      const d = parsePbxSdp(fixture(row.file), row.name);
      assert.equal(d.address, row.address);
      assert.equal(d.port, row.port);
      assert.equal(d.rtcpPort, row.rtcpPort);
      assert.equal(d.rtcpMux, row.rtcpMux);
      assert.equal(d.secure, row.secure);
      assert.equal(d.direction, row.direction);
      assert.equal(d.ptime, row.ptime);
      assert.equal(requireSupportedCodecs(d.codecs, row.name)[0]!.spec.name, row.first);
    });
  }

  test('the SDES offer keeps both crypto lines in order, first usable', () => {
    const d = parsePbxSdp(fixture('sdes-offer.sdp'), 'pbx');
    assert.deepEqual(d.crypto.map((c) => [c.tag, c.usable]), [[1, 'AES_CM_128_HMAC_SHA1_80'], [2, 'AES_CM_128_HMAC_SHA1_32']]);
    assert.equal(d.crypto[0]!.keyBase64, 'Oqqa6yZ1nRSvQXgHkWNhRzn1dXaULeNbyJ7sCvtp');
  });

  test('a=ssrc is read (no learning needed)', () => {
    assert.equal(parsePbxSdp(fixture('rtcp-mux-opus-offer.sdp'), 'pbx').ssrc, 1399208373);
  });

  const bad = [
    { name: 'garbage', input: fixture('garbage.txt'), error: SdpInvalidError },
    { name: 'no audio (video only, audio port 0)', input: fixture('video-only-offer.sdp'), error: NoAudioError },
    { name: 'no c= line', input: fixture('asterisk-offer.sdp').replace('c=IN IP4 192.0.2.10\n', ''), error: SdpInvalidError },
    { name: 'host name in c=', input: replaced(fixture('asterisk-offer.sdp'), 'c=IN IP4 192.0.2.10', 'c=IN IP4 pbx.example.com'), error: SdpInvalidError },
    { name: 'DTLS-SRTP profile', input: replaced(fixture('asterisk-offer.sdp'), 'RTP/AVP', 'UDP/TLS/RTP/SAVP'), error: SdpInvalidError },
    { name: 'RTP/SAVP without a=crypto', input: replaced(fixture('asterisk-offer.sdp'), 'RTP/AVP', 'RTP/SAVP'), error: CryptoInvalidError },
    { name: 'a=crypto key of the wrong length', input: fixture('bad-crypto-offer.sdp'), error: CryptoInvalidError },
    { name: 'a=crypto key that is not base64', input: replaced(fixture('sdes-offer.sdp'), 'inline:Oqqa6yZ1', 'inline:!!!!'), error: CryptoInvalidError },
    { name: 'a=crypto without inline key', input: replaced(fixture('sdes-offer.sdp'), 'inline:Oqqa6yZ1nRSvQXgHkWNhRzn1dXaULeNbyJ7sCvtp|2^31', 'uri:https://kms'), error: CryptoInvalidError },
  ];
  for (const row of bad) {
    test(`${row.name} rejects with ${row.error.name}`, () => {
      assert.throws(() => parsePbxSdp(row.input, 'PBX offer'), row.error);
    });
  }

  test('G.729-only offer parses but has no common codec (488)', () => {
    const d = parsePbxSdp(fixture('g729-only-offer.sdp'), 'pbx');
    assert.throws(() => requireSupportedCodecs(d.codecs, 'PBX offer'), (err: unknown) => err instanceof NoCommonCodecError && err.code === 'UCS_ERR_MEDIA_NO_COMMON_CODEC' && err.offered.join(' ') === 'G729/8000 telephone-event/8000');
  });

  test('an MKI or session parameter makes a crypto line unusable, not invalid', () => {
    const mki = replaced(fixture('sdes-offer.sdp'), '|2^31', '|2^31|1:4');
    assert.equal(parsePbxSdp(mki, 'pbx').crypto[0]!.usable, undefined);
    assert.equal(parsePbxSdp(mki, 'pbx').crypto[1]!.usable, 'AES_CM_128_HMAC_SHA1_32');
  });
});

describe('PBX leg parameters', () => {
  test('pbxCodec() sends with the PBX payload type and receives with ours (RFC 3264 §5.1)', () => {
    const d = parsePbxSdp(replaced(fixture('rtcp-mux-opus-offer.sdp'), /111/g, '98'), 'pbx');
    const c = pbxCodec(d, 'opus', { payloadType: 111, telephoneEventPayloadType: 110 })!;
    assert.equal(c.sendPayloadType, 98);
    assert.equal(c.recvPayloadType, 111);
    assert.deepEqual(c.telephoneEvent, { sendPayloadType: 101, recvPayloadType: 110, clockRate: 48000 });
    const producer = pbxProducerRtpParameters(c, 42);
    assert.deepEqual(producer.encodings, [{ ssrc: 42 }]);
    assert.deepEqual(producer.codecs.map((x) => x.payloadType), [111, 110]);
    assert.deepEqual(pbxConsumerRtpCapabilities(c).codecs!.map((x) => x.preferredPayloadType), [98, 101]);
  });

  test('telephone-event at another clock rate is not agreed', () => {
    const d = parsePbxSdp(fixture('rtcp-mux-opus-offer.sdp'), 'pbx');
    assert.equal(pbxCodec(d, 'PCMU', { payloadType: 0, telephoneEventPayloadType: 101 })!.telephoneEvent, undefined);
  });

  test('writePbxSdp() writes RTP/SAVP, a=crypto, a=rtcp, a=rtcp-mux and direction, and parses back', () => {
    const sdp = writePbxSdp({
      sessionId: '77',
      sessionVersion: 3,
      address: '127.0.0.1',
      port: 40000,
      rtcpPort: 40001,
      rtcpMux: true,
      crypto: { tag: 2, parameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_32', keyBase64: 'Lg0tG9ZQ3wP0R0wC7nH1sV0mCqYx8o6uJ4aLq2Gd' } },
      codecs: [pbxSdpCodec(codecSpec('G722'), 9, undefined), telephoneEventSdpCodec(101, 8000)],
      direction: 'recvonly',
      ptime: 20,
    });
    assert.match(sdp, /^m=audio 40000 RTP\/SAVP 9 101\r$/m);
    assert.match(sdp, /^a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:Lg0t/m);
    const back = parsePbxSdp(sdp, 'ours');
    assert.equal(back.rtcpPort, 40001);
    assert.equal(back.rtcpMux, true);
    assert.equal(back.direction, 'recvonly');
    assert.equal(back.crypto[0]!.usable, 'AES_CM_128_HMAC_SHA1_32');
    assert.deepEqual(back.codecs.map((c) => c.name), ['G722', 'telephone-event']);
  });
});

describe('direction', () => {
  const rows = [
    { offered: 'sendrecv', answer: 'sendrecv', heldAnswer: 'sendonly' },
    { offered: 'sendonly', answer: 'recvonly', heldAnswer: 'inactive' },
    { offered: 'recvonly', answer: 'sendonly', heldAnswer: 'sendonly' },
    { offered: 'inactive', answer: 'inactive', heldAnswer: 'inactive' },
  ] as const;
  for (const row of rows) {
    test(`an offer ${row.offered} is answered ${row.answer} (${row.heldAnswer} while we hold)`, () => {
      assert.equal(answerDirection(row.offered), row.answer);
      assert.equal(intersectDirection(row.offered, 'sendrecv'), row.answer);
      assert.equal(intersectDirection(row.offered, 'sendonly'), row.heldAnswer);
    });
  }
});
