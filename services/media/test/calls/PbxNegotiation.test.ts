// The PBX side's offer/answer state on a real PBX leg: our offers (first, late, hold/retrieve) and the
// answers to them, the PBX's offers and our answers, glare, SRTP as offered, and one SDP session.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Router, SrtpCryptoSuite } from 'mediasoup/types';
import { CallStateError, CryptoInvalidError, NoCommonCodecError } from '../../src/errors.ts';
import { PbxLeg } from '../../src/calls/PbxLeg.ts';
import { PbxNegotiation } from '../../src/calls/PbxNegotiation.ts';
import { parseBrowserSdp } from '../../src/sdp/browserSdp.ts';
import { codecSpec, routerPayloadTypes } from '../../src/sdp/codecs.ts';
import type { Direction } from '../../src/sdp/direction.ts';
import { parsePbxSdp, pbxSdpCodec, telephoneEventSdpCodec, writePbxSdp } from '../../src/sdp/pbxSdp.ts';
import { fixture, replaced, without } from '../sdp/fixtures.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

const callId = 'neg-pbx';
const pbxKey = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: Buffer.alloc(30, 0x5a).toString('base64') };

interface Bed {
  router: Router;
  leg: PbxLeg;
  negotiation: PbxNegotiation;
  /** The router's payload types by payloadTypeKey(), as MediaCall passes them. */
  payloadTypes: ReadonlyMap<string, number>;
}

async function bed(t: TestContext, srtpSuite?: SrtpCryptoSuite): Promise<Bed> {
  const worker = await startWorker(t);
  const router = await createRouter(worker);
  const leg = await PbxLeg.create({ router, worker, logger, rtcpMux: false, srtpSuite, ssrcWatchdog: false });
  t.after(() => leg.close());
  const payloadTypes = routerPayloadTypes(router);
  return { router, leg, negotiation: new PbxNegotiation({ callId, logger }), payloadTypes };
}

/** A PBX's answer or offer: `codecs` as [name, payload type], telephone-event 101 at 8 kHz. */
function pbxSdp(o: { codecs: Array<[name: 'PCMU' | 'PCMA' | 'G722' | 'opus', pt: number]>; direction?: Direction; srtp?: { tag: number } }): string {
  return writePbxSdp({
    sessionId: '4242',
    sessionVersion: 1,
    address: '192.0.2.10',
    port: 10_000,
    rtcpPort: undefined,
    rtcpMux: false,
    crypto: o.srtp ? { tag: o.srtp.tag, parameters: pbxKey } : undefined,
    codecs: [...o.codecs.map(([name, pt]) => pbxSdpCodec(codecSpec(name), pt, undefined)), telephoneEventSdpCodec(101, 8000)],
    direction: o.direction ?? 'sendrecv',
    ptime: 20,
  });
}

const mline = (sdp: string): string => /^m=audio .*$/m.exec(sdp)![0];
const origin = (sdp: string): { id: string; version: number } => {
  const [, id, version] = /^o=\S+ (\d+) (\d+) /m.exec(sdp)!;
  return { id: id!, version: Number(version) };
};

describe('PbxNegotiation', { timeout: 20_000 }, () => {
  test('createOffer() offers the softphone\'s supported codecs in its order, telephone-event at their rates, RTP/AVP with a=rtcp-mux and an RTCP port', async (t) => {
    const b = await bed(t);
    const softphone = parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs;
    const sdp = b.negotiation.createOffer(b.leg, softphone, b.payloadTypes);
    const ours = parsePbxSdp(sdp, 'our offer');
    assert.deepEqual(ours.codecs.map((c) => `${c.name}/${c.clockRate}`), ['opus/48000', 'G722/8000', 'PCMU/8000', 'PCMA/8000', 'telephone-event/48000', 'telephone-event/8000']);
    assert.deepEqual([ours.secure, ours.rtcpMux, ours.rtcpPort, ours.direction, ours.ptime], [false, true, b.leg.localRtcpPort, 'sendrecv', 20]);
    assert.equal(ours.port, b.leg.local.port);
  });

  test('createOffer() on an SDES leg offers RTP/SAVP with a=crypto:1 and the leg\'s own key', async (t) => {
    const b = await bed(t, 'AES_CM_128_HMAC_SHA1_80');
    const sdp = b.negotiation.createOffer(b.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, b.payloadTypes);
    const ours = parsePbxSdp(sdp, 'our offer');
    assert.equal(ours.secure, true);
    assert.deepEqual(ours.crypto.map((c) => [c.tag, c.usable, c.keyBase64]), [[1, 'AES_CM_128_HMAC_SHA1_80', b.leg.srtpParameters!.keyBase64]]);
    // Without a=rtcp-mux: a muxed answer would re-create the transport, whose new key the PBX never got.
    assert.deepEqual([ours.rtcpMux, ours.rtcpPort], [false, b.leg.localRtcpPort]);
  });

  test('createLateOffer() offers PCMU and telephone-event only, and fixes PCMU for the call', async (t) => {
    const b = await bed(t);
    const { sdp, codec } = b.negotiation.createLateOffer(b.leg, b.payloadTypes);
    assert.equal(mline(sdp).replace(/ \d+ /, ' N '), 'm=audio N RTP/AVP 0 101');
    assert.deepEqual(codec, { name: 'PCMU', telephoneEvent: true, ptime: 20 });
  });

  test('acceptAnswer() takes the answer\'s first offered codec, settles the direction and clears the pending offer', async (t) => {
    const b = await bed(t);
    b.negotiation.createOffer(b.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, b.payloadTypes);
    const answer = b.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMA', 8], ['PCMU', 0]], direction: 'recvonly' }), undefined);
    assert.equal(answer.leg, b.leg);
    assert.equal(answer.initial, true);
    assert.deepEqual([answer.codec.spec.name, answer.codec.sendPayloadType, answer.codec.recvPayloadType], ['PCMA', 8, 8]);
    assert.deepEqual(answer.codec.telephoneEvent, { sendPayloadType: 101, recvPayloadType: 101, clockRate: 8000 });
    assert.equal(answer.srtp, undefined);
    assert.deepEqual([b.negotiation.sendAllowed, b.negotiation.recvAllowed], [true, false], 'the PBX only receives');
    assert.throws(() => b.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMA', 8]] }), 'PCMA'), CallStateError, 'answered already');
  });

  test('acceptAnswer() without a pending offer throws CallStateError', () => {
    const negotiation = new PbxNegotiation({ callId, logger });
    assert.throws(() => negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]] }), undefined), CallStateError);
  });

  test('acceptAnswer() with none of the offered codecs, or without the call\'s codec, is NoCommonCodecError, and the offer stays pending', async (t) => {
    const b = await bed(t);
    b.negotiation.createOffer(b.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, b.payloadTypes);
    assert.throws(() => b.negotiation.acceptAnswer(fixture('g729-only-offer.sdp'), undefined), NoCommonCodecError);
    assert.throws(() => b.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMA', 8]] }), 'PCMU'), NoCommonCodecError);
    assert.equal(b.negotiation.acceptAnswer(pbxSdp({ codecs: [['G722', 9]] }), undefined).codec.spec.name, 'G722');
  });

  test('acceptAnswer(): RTP/SAVP to an RTP/AVP offer, plain RTP or another tag to an SDES offer are CryptoInvalidError', async (t) => {
    const plain = await bed(t);
    plain.negotiation.createOffer(plain.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, plain.payloadTypes);
    assert.throws(() => plain.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]], srtp: { tag: 1 } }), undefined), CryptoInvalidError);

    const sdes = await bed(t, 'AES_CM_128_HMAC_SHA1_80');
    sdes.negotiation.createOffer(sdes.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, sdes.payloadTypes);
    assert.throws(() => sdes.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]] }), undefined), CryptoInvalidError);
    assert.throws(() => sdes.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]], srtp: { tag: 2 } }), undefined), CryptoInvalidError);
    assert.deepEqual(sdes.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]], srtp: { tag: 1 } }), undefined).srtp, pbxKey);
  });

  test('readOffer() while our own offer is unanswered is glare: CallStateError', async (t) => {
    const b = await bed(t);
    b.negotiation.createLateOffer(b.leg, b.payloadTypes);
    assert.throws(() => b.negotiation.readOffer(fixture('asterisk-offer.sdp'), 'PCMU', undefined), CallStateError);
  });

  test('readOffer() takes the call\'s codec, else the PBX\'s first the softphone offered, else the PBX\'s first', () => {
    const negotiation = new PbxNegotiation({ callId, logger });
    const asterisk = fixture('asterisk-offer.sdp');
    const onlyPcma = parseBrowserSdp(fixture('chromium-offer.sdp').replace(/^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 8 126'), 'offer').codecs;
    assert.equal(negotiation.readOffer(asterisk, 'G722', undefined).chosen.spec.name, 'G722');
    assert.equal(negotiation.readOffer(asterisk, undefined, onlyPcma).chosen.spec.name, 'PCMA');
    const first = negotiation.readOffer(asterisk, undefined, undefined);
    assert.equal(first.chosen.spec.name, 'PCMU');
    assert.equal(first.telephoneEvent?.payloadType, 101);
    assert.equal(first.crypto, undefined);
  });

  test('readOffer() without the call\'s codec is NoCommonCodecError; with only MKI crypto lines CryptoInvalidError', () => {
    const negotiation = new PbxNegotiation({ callId, logger });
    assert.throws(() => negotiation.readOffer(fixture('asterisk-offer.sdp'), 'opus', undefined), NoCommonCodecError);
    const mkiOnly = replaced(without(fixture('sdes-offer.sdp'), /a=crypto:2/), '|2^31', '|2^31|1:4');
    assert.throws(() => negotiation.readOffer(mkiOnly, undefined, undefined), CryptoInvalidError);
  });

  test('answerOffer() answers the chosen codec as the router numbers it, with the offer\'s rtcp-mux, ptime and crypto tag', async (t) => {
    const b = await bed(t, 'AES_CM_128_HMAC_SHA1_80');
    const offer = b.negotiation.readOffer(fixture('sdes-offer.sdp'), undefined, undefined);
    const codec = b.negotiation.offerCodec(offer, b.payloadTypes);
    b.negotiation.acceptOffer(offer);
    const ours = parsePbxSdp(b.negotiation.answerOffer(b.leg, offer, codec), 'our answer');
    assert.deepEqual(ours.codecs.map((c) => [c.name, c.payloadType]), [['PCMA', b.payloadTypes.get('audio/pcma/8000')], ['telephone-event', b.payloadTypes.get('audio/telephone-event/8000')]]);
    assert.deepEqual([ours.secure, ours.rtcpMux, ours.ptime, ours.direction], [true, false, 30, 'sendrecv']);
    assert.deepEqual(ours.crypto.map((c) => [c.tag, c.keyBase64]), [[1, b.leg.srtpParameters!.keyBase64]]);
  });

  test('holdOffer() needs a connected leg; hold mutes at once, a second offer while one is pending is CallStateError, retrieve offers sendrecv', async (t) => {
    const b = await bed(t);
    assert.throws(() => b.negotiation.holdOffer(undefined, true, 20), CallStateError, 'no leg');
    const first = b.negotiation.createOffer(b.leg, parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs, b.payloadTypes);
    assert.throws(() => b.negotiation.holdOffer(b.leg, true, 20), CallStateError, 'the leg has no codec and no remote yet');
    const answer = b.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]] }), undefined);
    b.leg.setCodec(answer.codec);
    await b.leg.configure({ remote: { address: '192.0.2.10', port: 10_000, rtcpAddress: '192.0.2.10', rtcpPort: 10_001, rtcpMux: false, srtp: undefined, ssrc: undefined }, srtpSuite: undefined, connect: false });

    const hold = b.negotiation.holdOffer(b.leg, true, 20);
    assert.match(hold, /^a=sendonly\r$/m);
    assert.equal(mline(hold).split(' ').slice(3).join(' '), '0 101', 'the call\'s codec and its telephone-event only');
    assert.equal(b.negotiation.sendAllowed, false, 'nothing is sent from the hold offer on');
    assert.throws(() => b.negotiation.holdOffer(b.leg, false, 20), CallStateError, 'an offer is pending');
    assert.equal(b.negotiation.acceptAnswer(pbxSdp({ codecs: [['PCMU', 0]], direction: 'recvonly' }), 'PCMU').initial, false);
    const retrieve = b.negotiation.holdOffer(b.leg, false, 20);
    assert.match(retrieve, /^a=sendrecv\r$/m);

    assert.deepEqual([first, hold, retrieve].map(origin).map((o) => o.id), Array(3).fill(origin(first).id), 'one SDP session toward the PBX');
    assert.deepEqual([first, hold, retrieve].map(origin).map((o) => o.version), [1, 2, 3], 'each SDP raises the version');
  });
  test('a PBX offer with video: answerOffer() repeats its m-lines with video at port 0, and so does every later offer of ours (hold)', async (t) => {
    const b = await bed(t);
    const withVideo = `${fixture('asterisk-offer.sdp')}m=video 10600 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`;
    const offer = b.negotiation.readOffer(withVideo, undefined, undefined);
    const codec = b.negotiation.offerCodec(offer, b.payloadTypes);
    b.negotiation.acceptOffer(offer);
    const answer = b.negotiation.answerOffer(b.leg, offer, codec);
    const mlines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m=')).map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(mlines(answer), [`m=audio ${b.leg.local.port}`, 'm=video 0']);
    b.leg.setCodec(codec);
    await b.leg.configure({ remote: { address: '192.0.2.10', port: 10_562, rtcpAddress: '192.0.2.10', rtcpPort: 10_563, rtcpMux: false, srtp: undefined, ssrc: undefined }, srtpSuite: undefined, connect: false });
    const hold = b.negotiation.holdOffer(b.leg, true, 20);
    assert.deepEqual(mlines(hold), [`m=audio ${b.leg.local.port}`, 'm=video 0'], 'a later offer keeps the declined m-line (RFC 3264 §8)');
    assert.match(hold, /^m=video 0 RTP\/AVP 96\r$/m);
  });
});
