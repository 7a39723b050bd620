// The softphone side's offer/answer state on a real WebRTC leg: the softphone's offer and our answer,
// our offer and its answer, and re-offers (an ICE restart, nothing else), each against the call's codec.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Router } from 'mediasoup/types';
import { CallStateError, NoAudioError, NoCommonCodecError, SdpInvalidError } from '../../src/errors.ts';
import type { CallCodec } from '../../src/calls/MediaCallTypes.ts';
import { SoftphoneLeg } from '../../src/calls/SoftphoneLeg.ts';
import { SoftphoneNegotiation } from '../../src/calls/SoftphoneNegotiation.ts';
import { consumerRtpCapabilities, producerRtpParameters } from '../../src/sdp/browserSdp.ts';
import { routerPayloadTypes } from '../../src/sdp/codecs.ts';
import { browserVideoCodec, videoConsumerRtpCapabilities, videoProducerRtpParameters } from '../../src/sdp/videoSdp.ts';
import { fixture, replaced } from '../sdp/fixtures.ts';
import { createRouter, logger, startWorker } from '../support/worker.ts';

const callId = 'neg-softphone';
const pcmu: CallCodec = Object.freeze({ name: 'PCMU', telephoneEvent: true, ptime: 20 });
const pcma: CallCodec = Object.freeze({ name: 'PCMA', telephoneEvent: true, ptime: 20 });
const chromiumOffer = fixture('chromium-offer.sdp');

interface Bed {
  router: Router;
  leg: SoftphoneLeg;
  negotiation: SoftphoneNegotiation;
}

async function bed(t: TestContext): Promise<Bed> {
  const worker = await startWorker(t);
  const router = await createRouter(worker);
  const leg = await SoftphoneLeg.create({ router, webRtcServer: worker.webRtcServer, callId, logger });
  t.after(() => leg.close());
  return { router, leg, negotiation: new SoftphoneNegotiation({ callId, logger }) };
}

/** A minimal answer to our offer as a browser writes it: our m-lines, passive DTLS, our payload types. */
function chromiumAnswerOf(offer: string): string {
  return offer
    .replace('a=ice-lite\r\n', '')
    .replace(/a=setup:actpass/g, 'a=setup:active')
    .replace(/a=ice-ufrag:\S+/g, 'a=ice-ufrag:Zz9x')
    .replace(/a=ice-pwd:\S+/g, 'a=ice-pwd:abcdefghijklmnopqrstuvwx');
}

const line = (sdp: string, name: string): string | undefined => new RegExp(`^a=${name}:(.*)\\r$`, 'm').exec(sdp)?.[1];
const mline = (sdp: string): string => /^m=audio \d+ (.*)\r$/m.exec(sdp)![1]!;

describe('SoftphoneNegotiation', { timeout: 20_000 }, () => {
  test('readOffer() returns the supported codecs in the softphone\'s order, and requires the call\'s codec once there is one', () => {
    const negotiation = new SoftphoneNegotiation({ callId, logger });
    assert.deepEqual(negotiation.readOffer(chromiumOffer, undefined).codecs, ['opus', 'G722', 'PCMU', 'PCMA']);
    assert.deepEqual(negotiation.readOffer(chromiumOffer, pcmu).codecs, ['opus', 'G722', 'PCMU', 'PCMA']);
    const opusOnly = replaced(chromiumOffer, /^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 111 110');
    assert.throws(() => negotiation.readOffer(opusOnly, pcmu), NoCommonCodecError);
    assert.throws(() => negotiation.readOffer('v=0\r\nnonsense', undefined), SdpInvalidError);
    assert.throws(() => negotiation.readOffer(replaced(chromiumOffer, /^m=audio \d+/m, 'm=video 9'), undefined), NoAudioError);
    assert.equal(negotiation.remote, undefined, 'reading is not connecting');
  });

  test('answer() needs the softphone\'s offer and the call\'s codec, then answers passive in that codec, the same SDP every time', async (t) => {
    const b = await bed(t);
    assert.throws(() => b.negotiation.answer(b.leg, pcmu), CallStateError, 'no offer yet');
    const { description } = b.negotiation.readOffer(chromiumOffer, undefined);
    b.negotiation.connected(description);
    assert.throws(() => b.negotiation.answer(undefined, pcmu), CallStateError, 'no leg');
    assert.throws(() => b.negotiation.answer(b.leg, undefined), CallStateError, 'no codec yet');
    const answer = b.negotiation.answer(b.leg, pcmu);
    assert.equal(mline(answer), 'UDP/TLS/RTP/SAVPF 0 126', 'PCMU and telephone-event with the softphone\'s numbers');
    assert.deepEqual([line(answer, 'setup'), line(answer, 'mid'), line(answer, 'ice-ufrag')], ['passive', '0', b.leg.transport.iceParameters.usernameFragment]);
    assert.equal(b.negotiation.answer(b.leg, pcmu), answer);
    assert.equal(b.negotiation.offered, false);
  });

  test('offer() offers actpass on mid 0 in the call\'s codec as the router numbers it, the same SDP every time', async (t) => {
    const b = await bed(t);
    const payloadTypes = routerPayloadTypes(b.router);
    const offer = b.negotiation.offer(b.leg, pcma, payloadTypes);
    assert.equal(mline(offer), `UDP/TLS/RTP/SAVPF ${payloadTypes.get('audio/pcma/8000')} ${payloadTypes.get('audio/telephone-event/8000')}`);
    assert.deepEqual([line(offer, 'setup'), line(offer, 'mid'), line(offer, 'ptime')], ['actpass', '0', '20']);
    assert.equal(b.leg.mid, '0');
    assert.equal(b.negotiation.offered, true);
    assert.equal(b.negotiation.offer(b.leg, pcma, payloadTypes), offer);
    assert.throws(() => b.negotiation.answer(b.leg, pcma), CallStateError, 'no answer of ours on an offer of ours');
  });

  test('readAnswer() takes the softphone\'s answer on our mid in the call\'s codec; another mid is SdpInvalidError, another codec NoCommonCodecError', () => {
    const negotiation = new SoftphoneNegotiation({ callId, logger });
    const answer = fixture('chromium-answer.sdp');
    assert.equal(negotiation.readAnswer(answer, pcma).setup, 'active');
    assert.throws(() => negotiation.readAnswer(answer.replace(/^a=mid:0\r$/m, 'a=mid:1\r').replace(/^a=group:BUNDLE 0\r$/m, 'a=group:BUNDLE 1\r'), pcma), SdpInvalidError);
    assert.throws(() => negotiation.readAnswer(answer, pcmu), NoCommonCodecError);
  });

  test('reoffer() needs a connected leg; new ICE credentials restart ICE on the transport, the same ones do not, a new fingerprint is refused', async (t) => {
    const b = await bed(t);
    await assert.rejects(b.negotiation.reoffer(b.leg, chromiumOffer, pcmu), CallStateError, 'no offer yet');
    const { description } = b.negotiation.readOffer(chromiumOffer, undefined);
    b.negotiation.connected(description);
    await assert.rejects(b.negotiation.reoffer(b.leg, chromiumOffer, pcmu), CallStateError, 'the leg does not produce yet');
    const codec = b.negotiation.codec(pcmu)!;
    b.leg.mid = description.mid;
    await b.leg.produce(producerRtpParameters(description, codec), consumerRtpCapabilities(description, codec));

    const ufrag = b.leg.transport.iceParameters.usernameFragment;
    const same = await b.negotiation.reoffer(b.leg, chromiumOffer, pcmu);
    assert.deepEqual([line(same, 'ice-ufrag'), line(same, 'setup'), mline(same)], [ufrag, 'passive', 'UDP/TLS/RTP/SAVPF 0 126']);
    const restarted = await b.negotiation.reoffer(b.leg, chromiumOffer.replace(/^a=ice-ufrag:\S+\r$/m, 'a=ice-ufrag:Zz9x\r'), pcmu);
    assert.notEqual(line(restarted, 'ice-ufrag'), ufrag);
    assert.equal(line(restarted, 'ice-ufrag'), b.leg.transport.iceParameters.usernameFragment, 'the transport restarted ICE');
    const fingerprint = `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}\r`;
    await assert.rejects(b.negotiation.reoffer(b.leg, chromiumOffer.replace(/^a=fingerprint:sha-256 \S+\r$/m, fingerprint), pcmu), SdpInvalidError);
  });
  test('an offer with video and a data channel: answer() and reoffer() repeat its m-lines, video and data at port 0 with their mids', async (t) => {
    const b = await bed(t);
    const avData = fixture('chromium-av-data-offer.sdp');
    const { description } = b.negotiation.readOffer(avData, undefined);
    b.negotiation.connected(description);
    const mlines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m=')).map((l) => l.split(' ').slice(0, 3).join(' '));
    const mids = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('a=mid:'));
    const answer = b.negotiation.answer(b.leg, pcmu);
    const port = /^m=audio (\d+)/m.exec(answer)![1];
    assert.deepEqual(mlines(answer), [`m=audio ${port} UDP/TLS/RTP/SAVPF`, 'm=video 0 UDP/TLS/RTP/SAVPF', 'm=application 0 UDP/DTLS/SCTP']);
    assert.deepEqual(mids(answer), ['a=mid:0', 'a=mid:1', 'a=mid:2']);
    assert.equal(line(answer, 'group'), 'BUNDLE 0');
    const codec = b.negotiation.codec(pcmu)!;
    b.leg.mid = description.mid;
    await b.leg.produce(producerRtpParameters(description, codec), consumerRtpCapabilities(description, codec));
    // Chromium's re-offer keeps the declined m-lines at port 0.
    const reoffer = replaced(replaced(avData, /^m=video 9 /m, 'm=video 0 '), /^m=application 9 /m, 'm=application 0 ');
    const again = await b.negotiation.reoffer(b.leg, reoffer.replace(/^a=sendrecv\r$/m, 'a=sendonly\r'), pcmu);
    assert.deepEqual(mlines(again), [`m=audio ${port} UDP/TLS/RTP/SAVPF`, 'm=video 0 UDP/TLS/RTP/SAVPF', 'm=application 0 UDP/DTLS/SCTP']);
    assert.match(again, /^a=recvonly\r$/m, 'the hold re-offer is answered recvonly');
  });
  test('offer() with video adds a bundled VP8 m-line (mid 1); an answer declining it leaves the call without video', async (t) => {
    const b = await bed(t);
    const payloadTypes = routerPayloadTypes(b.router);
    const offer = b.negotiation.offer(b.leg, pcma, payloadTypes, 'VP8');
    assert.match(offer, new RegExp(`^m=video \\d+ UDP/TLS/RTP/SAVPF ${payloadTypes.get('video/vp8/90000')}\r$`, 'm'));
    assert.equal(line(offer, 'group'), 'BUNDLE 0 1');
    assert.equal(b.negotiation.video?.spec.name, 'VP8');
    // An answer with the video m-line at port 0 (a softphone without video).
    const answer = replaced(chromiumAnswerOf(offer), /^m=video \d+ /m, 'm=video 0 ');
    b.negotiation.readAnswer(answer, pcma);
    assert.equal(b.negotiation.video, undefined, 'no video after a declined video m-line');
  });
  test('a video call: answer() takes the video m-line; a re-offer with video at port 0 drops the camera Producer and declines video (downgrade)', async (t) => {
    const b = await bed(t);
    const avData = fixture('chromium-av-data-offer.sdp');
    const { description } = b.negotiation.readOffer(avData, undefined);
    b.negotiation.connected(description);
    const answer = b.negotiation.answer(b.leg, pcmu, 'VP8');
    assert.match(answer, /^m=video [1-9]\d* UDP\/TLS\/RTP\/SAVPF 96\r$/m);
    assert.equal(line(answer, 'group'), 'BUNDLE 0 1');
    const codec = b.negotiation.codec(pcmu)!;
    b.leg.mid = description.mid;
    await b.leg.produce(producerRtpParameters(description, codec), consumerRtpCapabilities(description, codec));
    const video = description.video!;
    const vcodec = browserVideoCodec(video, 'VP8')!;
    const camera = await b.leg.produceVideo(video.mid, videoProducerRtpParameters(video, vcodec, true), videoConsumerRtpCapabilities(video, vcodec));
    assert.equal(camera?.kind, 'video');
    const kept = await b.negotiation.reoffer(b.leg, avData, pcmu);
    assert.match(kept, /^m=video [1-9]\d* UDP\/TLS\/RTP\/SAVPF 96\r$/m, 'the same re-offer keeps video');
    const dropped = await b.negotiation.reoffer(b.leg, replaced(avData, /^m=video 9 /m, 'm=video 0 '), pcmu);
    assert.match(dropped, /^m=video 0 /m);
    assert.equal(line(dropped, 'group'), 'BUNDLE 0');
    assert.deepEqual([b.leg.hasVideo, camera?.closed, b.negotiation.video], [false, true, undefined]);
  });
});
