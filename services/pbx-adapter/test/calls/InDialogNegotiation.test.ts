// InDialogNegotiation, a pure unit: the call, the SIP endpoint and the media node are fakes that record
// what the negotiation does, the session timer and the glare wait run on a FakeClock. Offers in both
// directions, their refusals, the answer in an ACK, the queue bound and RFC 4028 refreshes.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { MediaErrorCodes, type CallCause, type MediaPath } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import { InDialogNegotiation } from '../../src/calls/InDialogNegotiation.ts';
import type { InDialogNegotiationOptions, NegotiatingCall } from '../../src/calls/InDialogNegotiationTypes.ts';
import { CallStateError, MediaFailedError, SipRequestFailedError } from '../../src/errors.ts';
import {
  createResponse,
  Dialog,
  parseSipUri,
  type ClientTransaction,
  type InviteServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../src/sip/mod.ts';
import { FakeClock } from '../sip/FakeClock.ts';
import { sampleRequest } from '../sip/sampleMessages.ts';

const sdp = (direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): string =>
  `v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${direction}\r\n`;
const NODE_ANSWER = sdp('sendrecv');

/** What the negotiation did to its call, endpoint and media node. */
interface Recorded {
  replies: Array<{ status: number; headers: Array<[string, string]> }>;
  responses: SipResponse[];
  /** Our INVITEs with the client transaction the test answers on. */
  invites: Array<{ request: SipRequest; tx: EventEmitter }>;
  requests: SipRequest[];
  acks: SipRequest[];
  media: string[];
  hangups: CallCause[];
  published: number;
  mediaPath: MediaPath | undefined;
}

interface Setup {
  negotiation: InDialogNegotiation;
  call: NegotiatingCall & { confirmed: boolean; ended: boolean };
  rec: Recorded;
  clock: FakeClock;
  media: InDialogNegotiationOptions['media'];
  /** The peer's in-dialog request (next CSeq of the peer). */
  peerRequest(method: string, options?: { body?: string; extra?: Array<[string, string]> }): SipRequest;
  /** A server transaction as far as the negotiation reads it. */
  serverTx(): InviteServerTransaction;
}

function setup(options: { ownsCallId?: boolean; confirmed?: boolean; sessionExpiresS?: number; answerRequest?: (r: SipRequest) => SipResponse; renegotiateSoftphone?: InDialogNegotiationOptions['renegotiateSoftphone'] } = {}): Setup {
  const clock = new FakeClock();
  const rec: Recorded = { replies: [], responses: [], invites: [], requests: [], acks: [], media: [], hangups: [], published: 0, mediaPath: undefined };
  // The dialog as the UAS of the PBX's INVITE (CSeq 1); the peer's next requests carry CSeq 2, 3, ...
  const invite = sampleRequest({ cseq: 1, fromTag: 'pbx-tag' });
  const dialog = Dialog.createUas(invite, createResponse(invite, 200, { toTag: 'our-tag', headers: [['Contact', '<sip:101@192.0.2.1:5060>']] }));
  let peerSeq = 1;
  const call = {
    id: 'call-1',
    ownsCallId: options.ownsCallId ?? false,
    contact: parseSipUri('sip:101@192.0.2.1:5060'),
    confirmed: options.confirmed ?? true,
    ended: false,
    dialog,
    mediaNode: () => 'node-1',
    setMediaPath: (path: MediaPath) => void (rec.mediaPath = path),
    publishCurrent: () => void (rec.published += 1),
    hangup: (cause: CallCause) => {
      rec.hangups.push(cause);
      call.ended = true;
    },
    request: async (request: SipRequest) => {
      rec.requests.push(request);
      return options.answerRequest?.(request) ?? createResponse(request, 200, { toTag: 'pbx-tag' });
    },
    sendAck: (d: Dialog, inv: SipRequest) => void rec.acks.push(d.createAck(inv)),
    timer: (ms: number, fn: () => void) => clock.setTimeout(fn, ms),
  };
  const endpoint: InDialogNegotiationOptions['endpoint'] = {
    send: (request) => {
      const tx = new EventEmitter();
      rec.invites.push({ request, tx });
      return tx as unknown as ClientTransaction;
    },
    respond: (tx, response) => {
      rec.responses.push(response);
      (tx as { finalResponseSent?: number }).finalResponseSent = response.status;
      return true;
    },
    reply: (_tx, status, headers = []) => {
      rec.replies.push({ status, headers });
      return true;
    },
    capabilityHeaders: () => [
      ['Allow', 'INVITE, ACK, BYE, UPDATE'],
      ['Accept', 'application/sdp'],
      ['Supported', 'timer'],
    ],
  };
  const media: InDialogNegotiationOptions['media'] = {
    pbxOffer: async (_node, _callId, offer) => {
      rec.media.push(`offer:${offer.includes('sendonly') ? 'sendonly' : 'other'}`);
      return { legId: 'leg-1', sdp: NODE_ANSWER, codec: 'PCMU', mediaPath: 'direct' };
    },
    pbxVideoOffer: async (_node, _callId, video) => {
      rec.media.push(`video-offer:${video}`);
      return { sdp: video ? `${sdp('sendrecv')}m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n` : null };
    },
    pbxHoldOffer: async (_node, _callId, hold) => {
      rec.media.push(`hold-offer:${hold}`);
      return { sdp: sdp(hold ? 'sendonly' : 'sendrecv') };
    },
    pbxApplyAnswer: async () => {
      rec.media.push('apply-answer');
      return { codec: 'PCMU', mediaPath: 'pbx' };
    },
  };
  const negotiation = new InDialogNegotiation({ call, endpoint, media, logger: testLogger('negotiation'), sessionExpiresS: options.sessionExpiresS ?? 0, clock, renegotiateSoftphone: options.renegotiateSoftphone });
  return {
    negotiation,
    call,
    rec,
    clock,
    media,
    peerRequest: (method, o = {}) =>
      sampleRequest({
        method,
        cseq: ++peerSeq,
        fromTag: 'pbx-tag',
        toTag: 'our-tag',
        ...(o.body !== undefined ? { body: o.body, extra: [['Content-Type', 'application/sdp'], ...(o.extra ?? [])] } : { extra: o.extra ?? [] }),
      }),
    serverTx: () => ({ finalResponseSent: undefined, terminated: false }) as unknown as InviteServerTransaction,
  };
}

/** Answers our outstanding INVITE number `index` with `status` (a 2xx carries the PBX's SDP answer). */
const answerInvite = (s: Setup, index: number, status: number, body = sdp('recvonly')): void => {
  const { request, tx } = s.rec.invites[index]!;
  const response = createResponse(request, status, {
    toTag: 'pbx-tag',
    headers: status < 300 ? [['Contact', '<sip:pbx@192.0.2.9>']] : [],
    ...(status < 300 ? { body, contentType: 'application/sdp' } : {}),
  });
  tx.emit('response', response);
};

const waitFor = <T>(fn: () => T, name: string): Promise<NonNullable<T>> => check(fn, 2000, { name, intervalMs: 1 });

describe('InDialogNegotiation', () => {
  describe('video upgrade and downgrade', () => {
    const VIDEO_ANSWER = `${NODE_ANSWER}m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`;

    it('video(true) re-INVITEs with the node\'s video offer and applies the answer; video(false) with nothing to change sends nothing', async () => {
      const s = setup();
      const done = s.negotiation.video(true);
      await waitFor(() => s.rec.invites.length === 1, 'our re-INVITE');
      assert.match(s.rec.invites[0]!.request.body.toString('utf8'), /^m=video 4002 RTP\/AVP 96/m);
      answerInvite(s, 0, 200, VIDEO_ANSWER);
      await done;
      assert.deepEqual(s.rec.media, ['video-offer:true', 'apply-answer']);
      assert.equal(s.rec.acks.length, 1, 'the 2xx is ACKed');
      await s.negotiation.video(false);
      assert.deepEqual(s.rec.media, ['video-offer:true', 'apply-answer', 'video-offer:false'], 'the node had nothing to change: no re-INVITE');
      assert.equal(s.rec.invites.length, 1);
    });

    it('video() refused by the PBX (488) rejects; the call goes on', async () => {
      const s = setup();
      const done = s.negotiation.video(true);
      await waitFor(() => s.rec.invites.length === 1, 'our re-INVITE');
      answerInvite(s, 0, 488);
      await assert.rejects(done, SipRequestFailedError);
      assert.deepEqual(s.rec.hangups, []);
    });

    it('a peer re-INVITE that changes video: the softphone is re-offered before our 200', async () => {
      const order: string[] = [];
      const s = setup({ renegotiateSoftphone: async (callId) => {
        order.push(`renegotiate:${callId}`);
        return { video: true };
      } });
      s.media.pbxOffer = async () => {
        order.push('pbx-offer');
        return { legId: 'leg-1', sdp: VIDEO_ANSWER, codec: 'PCMU', mediaPath: 'pbx', softphoneRenegotiate: true };
      };
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: `${sdp('sendrecv')}m=video 5000 RTP/AVP 96\r\n` }), s.serverTx());
      const ok = await waitFor(() => s.rec.responses[0], 'the 200');
      order.push(`response:${ok.status}`);
      assert.deepEqual(order, ['pbx-offer', 'renegotiate:call-1', 'response:200']);
      assert.equal(ok.body.toString('utf8'), VIDEO_ANSWER);
    });

    it('a softphone that declines the video the node answered: 200, then a re-INVITE with m=video 0; a failed re-offer still answers', async () => {
      const s = setup({ renegotiateSoftphone: async () => ({ video: false }) });
      s.media.pbxOffer = async () => ({ legId: 'leg-1', sdp: VIDEO_ANSWER, codec: 'PCMU', mediaPath: 'pbx', softphoneRenegotiate: true });
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendrecv') }), s.serverTx());
      assert.equal((await waitFor(() => s.rec.responses[0], 'the 200')).status, 200);
      await waitFor(() => s.rec.media.includes('video-offer:false'), 'the downgrade asked of the node');

      const f = setup({ renegotiateSoftphone: async () => {
        throw new Error('no such softphone call');
      } });
      f.media.pbxOffer = async () => ({ legId: 'leg-1', sdp: VIDEO_ANSWER, codec: 'PCMU', mediaPath: 'pbx', softphoneRenegotiate: true });
      f.negotiation.receiveReInvite(f.peerRequest('INVITE', { body: sdp('sendrecv') }), f.serverTx());
      assert.equal((await waitFor(() => f.rec.responses[0], 'the 200')).status, 200);
      assert.ok(!f.rec.media.includes('video-offer:false'), 'no downgrade when the softphone could not be asked');
    });
  });

  describe('the peer offers (re-INVITE, UPDATE)', () => {
    it('receiveReInvite() with a sendonly offer answers 200 with the node\'s SDP and holds remotely', async () => {
      const s = setup();
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendonly') }), s.serverTx());
      const ok = await waitFor(() => s.rec.responses[0], 'the 200');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.toString('utf8'), NODE_ANSWER);
      assert.equal(ok.headers.get('Contact'), '<sip:101@192.0.2.1:5060>');
      assert.deepEqual(s.rec.media, ['offer:sendonly']);
      assert.equal(s.negotiation.holdSide, 'remote');
      assert.equal(s.rec.mediaPath, 'direct');
      await waitFor(() => s.rec.published === 1, 'publishCurrent');
    });

    it('receiveReInvite() before the call is confirmed answers 491', () => {
      const s = setup({ confirmed: false });
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendrecv') }), s.serverTx());
      assert.deepEqual(s.rec.replies.map((r) => r.status), [491]);
      assert.deepEqual(s.rec.media, []);
    });

    it('receiveReInvite() while our own re-INVITE is outstanding answers 491 (glare)', async () => {
      const s = setup();
      void s.negotiation.hold(true).catch(() => undefined);
      await waitFor(() => s.rec.invites.length === 1, 'our re-INVITE');
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendrecv') }), s.serverTx());
      assert.deepEqual(s.rec.replies.map((r) => r.status), [491]);
    });

    it('receiveReInvite() while the peer\'s previous offer is being answered answers 500 with Retry-After', async () => {
      const s = setup();
      let release!: () => void;
      const pbxOffer = s.media.pbxOffer;
      s.media.pbxOffer = async (...args) => {
        await new Promise<void>((resolve) => (release = resolve));
        return pbxOffer(...args);
      };
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendonly') }), s.serverTx());
      s.negotiation.receiveUpdate(s.peerRequest('UPDATE', { body: sdp('sendrecv') }), s.serverTx());
      const [refused] = s.rec.replies;
      assert.equal(refused?.status, 500);
      const retryAfter = Number(refused.headers.find(([n]) => n === 'Retry-After')?.[1]);
      assert.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After ${retryAfter}`);
      await waitFor(() => release, 'the first offer at the node');
      release();
      assert.equal((await waitFor(() => s.rec.responses[0], 'the first offer\'s 200')).status, 200);
    });

    it('receiveReInvite() with an offer the media node refuses answers 488 and the call continues', async () => {
      const s = setup();
      s.media.pbxOffer = async () => {
        throw new MediaFailedError('no common codec', MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC);
      };
      s.negotiation.receiveReInvite(s.peerRequest('INVITE', { body: sdp('sendrecv') }), s.serverTx());
      const refused = await waitFor(() => s.rec.replies[0], 'the refusal');
      assert.equal(refused.status, 488);
      assert.deepEqual(s.rec.hangups, []);
      assert.equal(s.rec.published, 0);
    });

    it('receiveReInvite() without SDP offers in the 200; the ACK\'s recvonly answer holds remotely', async () => {
      const s = setup();
      const reInvite = s.peerRequest('INVITE');
      s.negotiation.receiveReInvite(reInvite, s.serverTx());
      const ok = await waitFor(() => s.rec.responses[0], 'the 200 with our offer');
      assert.match(ok.body.toString('utf8'), /a=sendrecv/);
      assert.deepEqual(s.rec.media, ['hold-offer:false']);
      const ack = sampleRequest({ method: 'ACK', cseq: reInvite.headers.cseq().seq, fromTag: 'pbx-tag', toTag: 'our-tag', body: sdp('recvonly'), extra: [['Content-Type', 'application/sdp']] });
      s.negotiation.receiveAck(ack);
      await waitFor(() => s.negotiation.holdSide === 'remote', 'the remote hold');
      assert.deepEqual(s.rec.media, ['hold-offer:false', 'apply-answer']);
      assert.equal(s.rec.mediaPath, 'pbx');
    });

    it('receiveUpdate() without SDP answers 200 with the session interval and re-arms the timer', () => {
      const s = setup({ sessionExpiresS: 1800 });
      s.negotiation.receiveUpdate(s.peerRequest('UPDATE', { extra: [['Session-Expires', '600;refresher=uac'], ['Supported', 'timer']] }), s.serverTx());
      assert.equal(s.rec.responses[0]?.status, 200);
      assert.equal(s.rec.responses[0]?.headers.get('Session-Expires'), '600;refresher=uac');
      assert.equal(s.clock.pending, 1, 'the expiry watch of the peer-refreshed session');
    });

    it('receiveUpdate() with a Session-Expires below our Min-SE answers 422 with Min-SE', () => {
      const s = setup({ sessionExpiresS: 1800 });
      s.negotiation.receiveUpdate(s.peerRequest('UPDATE', { extra: [['Session-Expires', '30']] }), s.serverTx());
      assert.deepEqual(s.rec.replies, [{ status: 422, headers: [['Min-SE', '90']] }]);
    });
  });

  describe('the answer in an ACK', () => {
    const ackWith = (cseq: number, body?: string): SipRequest =>
      sampleRequest({ method: 'ACK', cseq, fromTag: 'pbx-tag', toTag: 'our-tag', ...(body ? { body, extra: [['Content-Type', 'application/sdp']] } : {}) });

    it('receiveAck() for the expected CSeq applies the answer, then runs the callback; other ACKs are ignored', async () => {
      const s = setup();
      const applied: string[] = [];
      s.negotiation.expectAckAnswer(1, (answer) => applied.push(answer));
      s.negotiation.receiveAck(ackWith(7, sdp('sendrecv')));
      s.negotiation.receiveAck(ackWith(1, sdp('sendrecv')));
      await waitFor(() => applied.length === 1, 'the applied callback');
      assert.deepEqual(s.rec.media, ['apply-answer']);
    });

    it('receiveAck() without the answer to our offer hangs up with cause error', () => {
      const s = setup();
      s.negotiation.expectAckAnswer(1, () => assert.fail('nothing to apply'));
      s.negotiation.receiveAck(ackWith(1));
      assert.deepEqual(s.rec.hangups, ['error']);
    });

    it('receiveAck() with an answer the media node refuses hangs up with cause media-failure', async () => {
      const s = setup();
      s.media.pbxApplyAnswer = async () => {
        throw new MediaFailedError('bad SDP', MediaErrorCodes.UCS_ERR_MEDIA_SDP_INVALID);
      };
      s.negotiation.expectAckAnswer(1, () => assert.fail('refused answers are not applied'));
      s.negotiation.receiveAck(ackWith(1, sdp('sendrecv')));
      await waitFor(() => s.rec.hangups.length === 1, 'the hang-up');
      assert.deepEqual(s.rec.hangups, ['media-failure']);
    });
  });

  describe('our offers (hold, glare)', () => {
    it('hold() sends a re-INVITE with the node\'s sendonly offer, ACKs the 2xx, applies the answer and holds locally', async () => {
      const s = setup();
      const held = s.negotiation.hold(true);
      const { request } = await waitFor(() => s.rec.invites[0], 'our re-INVITE');
      assert.match(request.body.toString('utf8'), /a=sendonly/);
      assert.equal(request.headers.get('Accept'), undefined, 'a re-INVITE carries Allow and Supported, no Accept');
      answerInvite(s, 0, 200);
      await held;
      assert.deepEqual(s.rec.acks.map((a) => a.headers.cseq()), [{ seq: request.headers.cseq().seq, method: 'ACK' }]);
      assert.deepEqual(s.rec.media, ['hold-offer:true', 'apply-answer']);
      assert.equal(s.negotiation.holdSide, 'local');
      assert.equal(s.rec.published, 1);
      await s.negotiation.hold(true);
      assert.equal(s.rec.invites.length, 1, 'holding a held call sends nothing');
    });

    it('hold() answered 491 retries after the glare wait: 2.1-4 s for the Call-ID owner (RFC 3261 §14.1)', async () => {
      const s = setup({ ownsCallId: true });
      const held = s.negotiation.hold(true);
      await waitFor(() => s.rec.invites.length === 1, 'our re-INVITE');
      answerInvite(s, 0, 491);
      await waitFor(() => s.clock.pending === 1, 'the glare wait');
      s.clock.advance(2099);
      assert.equal(s.rec.invites.length, 1, 'no retry before 2.1 s');
      s.clock.advance(1901);
      await waitFor(() => s.rec.invites.length === 2, 'the retried re-INVITE');
      answerInvite(s, 1, 200);
      await held;
      assert.equal(s.negotiation.holdSide, 'local');
    });

    it('hold() answered 481 hangs up with cause error and rejects with SipRequestFailedError', async () => {
      const s = setup();
      const held = s.negotiation.hold(true);
      await waitFor(() => s.rec.invites.length === 1, 'our re-INVITE');
      answerInvite(s, 0, 481);
      await assert.rejects(held, SipRequestFailedError);
      assert.deepEqual(s.rec.hangups, ['error']);
      assert.equal(s.negotiation.holdSide, undefined);
    });

    it('serial() with 16 operations waiting rejects the next with CallStateError', async () => {
      const { negotiation } = setup();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const queued = Array.from({ length: 16 }, () => negotiation.serial(() => gate));
      await assert.rejects(negotiation.serial(async () => undefined), CallStateError);
      release();
      await Promise.all(queued);
      await negotiation.serial(async () => undefined);
    });
  });

  describe('session timers (RFC 4028)', () => {
    it('armSessionTimer() as refresher refreshes with UPDATE at half the interval when the peer allows UPDATE', async () => {
      const s = setup({ answerRequest: (r) => createResponse(r, 200, { toTag: 'pbx-tag', headers: [['Session-Expires', '90;refresher=uac']] }) });
      s.negotiation.notePeerAllow(s.peerRequest('OPTIONS', { extra: [['Allow', 'INVITE, UPDATE']] }));
      s.negotiation.armSessionTimer({ interval: 90, refresher: 'local' });
      s.clock.advance(44_999);
      assert.equal(s.rec.requests.length, 0);
      s.clock.advance(1);
      const update = await waitFor(() => s.rec.requests[0], 'the refresh');
      assert.equal(update.method, 'UPDATE');
      assert.equal(update.headers.get('Session-Expires'), '90;refresher=uac');
      assert.equal(update.body.length, 0, 'an UPDATE refresh carries no SDP');
      await waitFor(() => s.clock.pending === 1, 'the next refresh armed');
    });

    it('armSessionTimer() as refresher refreshes with a re-INVITE of our current SDP when the peer does not allow UPDATE', async () => {
      const s = setup();
      s.negotiation.armSessionTimer({ interval: 90, refresher: 'local' });
      s.clock.advance(45_000);
      const { request } = await waitFor(() => s.rec.invites[0], 'the re-INVITE refresh');
      assert.equal(request.headers.get('Session-Expires'), '90;refresher=uac');
      assert.match(request.body.toString('utf8'), /a=sendrecv/);
      assert.deepEqual(s.rec.media, ['hold-offer:false']);
    });

    it('armSessionTimer() as the other side hangs up with cause timeout when no refresh comes; close() stops it', () => {
      const s = setup();
      s.negotiation.armSessionTimer({ interval: 90, refresher: 'remote' });
      s.clock.advance(60_000);
      assert.deepEqual(s.rec.hangups, ['timeout']);
      const t = setup();
      t.negotiation.armSessionTimer({ interval: 90, refresher: 'remote' });
      t.negotiation.close();
      t.negotiation.close();
      t.clock.advance(120_000);
      assert.deepEqual(t.rec.hangups, []);
    });
  });
});
