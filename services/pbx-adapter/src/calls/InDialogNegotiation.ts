// The offer/answer of one call once its dialog exists (RFC 3264 in RFC 3261 §14 re-INVITEs and RFC 3311
// UPDATEs), both ways. Ours: re-INVITEs for hold and retrieve, retried on 491 (glare, §14.1), their 2xx
// ACKed and the answer applied. The peer's: re-INVITEs and UPDATEs with new SDP (hold, resume, Direct
// Media re-targeting) answered by the media node, or refused (491 for glare or before the call is
// confirmed, 500 with Retry-After while its previous offer is being answered, 488/500/503 when the node
// refuses the SDP); an offerless re-INVITE gets our offer in the 2xx and its ACK must carry the answer.
// RFC 4028 session timers: the peer's refreshes re-arm ours, and as refresher we send UPDATE without SDP
// where the peer allows it, else a re-INVITE with our current SDP. Every operation, and the initial
// offer/answer work of the call's two directions (`serial`), runs one at a time in arrival order.
import type { HoldSide, Logger, MediaPath } from '@ucserver/shared';
import { CallStateError, MediaFailedError, SipRequestFailedError } from '../errors.ts';
import { audioDirection, isHoldOffer, isSdpBody } from '../media/sdp.ts';
import {
  createResponse,
  formatUri,
  nextHop,
  SipTimeoutError,
  type InviteServerTransaction,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../sip/mod.ts';
import { statusOfMediaError } from './causes.ts';
import type { InDialogNegotiationOptions, NegotiatingCall } from './InDialogNegotiationTypes.ts';
import { SessionTimer } from './SessionTimer.ts';
import { MIN_SE, requestSessionHeaders, uacSessionTimer, uasSessionTimer, type SessionTimerSpec } from './sessionTimers.ts';

const SDP = 'application/sdp';
/** Offer/answer operations queued per call before further commands are refused. */
const MAX_QUEUED = 16;
/** Our re-INVITEs answered 491 are retried this often (RFC 3261 §14.1). */
const GLARE_RETRIES = 2;

export class InDialogNegotiation {
  readonly #call: NegotiatingCall;
  readonly #endpoint: InDialogNegotiationOptions['endpoint'];
  readonly #media: InDialogNegotiationOptions['media'];
  readonly #renegotiateSoftphone: InDialogNegotiationOptions['renegotiateSoftphone'];
  readonly #logger: Logger;
  readonly #sessionExpiresS: number;
  readonly #sessionTimer: SessionTimer;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #localHold = false;
  #remoteHold = false;
  /** Our re-INVITE with an offer is outstanding (a peer offer now is glare: 491). */
  #localOffer = false;
  /** The peer's re-INVITE/UPDATE is being answered (a second one gets 500 with Retry-After). */
  #remoteOffer = false;
  /** We put an offer in a 2xx (offerless re-INVITE, late-offer INVITE): the ACK of that CSeq answers it. */
  #ackAnswer: { cseq: number; applied: (sdp: string) => void } | undefined;
  #peerAllowsUpdate = false;
  #closed = false;

  constructor(options: InDialogNegotiationOptions) {
    this.#call = options.call;
    this.#endpoint = options.endpoint;
    this.#media = options.media;
    this.#renegotiateSoftphone = options.renegotiateSoftphone;
    this.#logger = options.logger;
    this.#sessionExpiresS = options.sessionExpiresS;
    this.#sessionTimer = new SessionTimer({
      clock: options.clock,
      onRefresh: () => void this.#refreshSession(),
      onExpire: () => {
        this.#logger.warn('session expired without refresh (RFC 4028)');
        this.#call.hangup('timeout');
      },
    });
  }

  /** The call as this negotiation sees it (its transfers work through the same view). */
  get call(): NegotiatingCall {
    return this.#call;
  }

  /** Who holds the call, as the last offer/answer of each side left it. */
  get holdSide(): HoldSide | undefined {
    if (this.#localHold && this.#remoteHold) return 'both';
    if (this.#localHold) return 'local';
    if (this.#remoteHold) return 'remote';
    return undefined;
  }

  /** Runs offer/answer work one at a time, in arrival order; refuses more than MAX_QUEUED waiting. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#queued >= MAX_QUEUED) return Promise.reject(new CallStateError(`too many operations pending [callId:${this.#call.id}]`));
    this.#queued += 1;
    const run = this.#queue.then(fn);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.#queued -= 1;
    });
  }

  /** Our hold (re-INVITE with a sendonly offer) or retrieve (sendrecv); resolves once the answer is applied. */
  hold(on: boolean): Promise<void> {
    const call = this.#call;
    return this.serial(async () => {
      if (this.#localHold === on || !call.confirmed) return;
      const { sdp } = await this.#media.pbxHoldOffer(call.mediaNode(), call.id, on);
      const response = await this.#reInvite(sdp);
      if (call.ended) return;
      if (isSdpBody(response.headers.contentType(), response.body)) {
        const applied = await this.#media.pbxApplyAnswer(call.mediaNode(), call.id, response.body.toString('utf8'));
        call.setMediaPath(applied.mediaPath);
      }
      this.#localHold = on;
      call.publishCurrent();
    });
  }

  /**
   * Upgrades the call to video (re-INVITE with a video m-line added) or downgrades it (m=video 0);
   * nothing is sent when the media node has the PBX side that way already. Resolves once the answer is
   * applied; a refused re-INVITE rejects and the session stays as it was (RFC 3264 §8).
   */
  video(on: boolean): Promise<void> {
    const call = this.#call;
    return this.serial(async () => {
      if (!call.confirmed) throw new CallStateError(`call not connected [callId:${call.id}]`);
      const { sdp } = await this.#media.pbxVideoOffer(call.mediaNode(), call.id, on);
      if (sdp === null) return;
      const response = await this.#reInvite(sdp);
      if (call.ended || !isSdpBody(response.headers.contentType(), response.body)) return;
      const applied = await this.#media.pbxApplyAnswer(call.mediaNode(), call.id, response.body.toString('utf8'));
      call.setMediaPath(applied.mediaPath);
      call.publishCurrent();
    });
  }

  /**
   * Our offer `sdp` (the media node's pending one, made for a transfer whose target failed) sent again
   * in the current dialog and its answer applied, so the node's offer is settled and the call goes on.
   */
  resendOffer(sdp: string): Promise<void> {
    const call = this.#call;
    return this.serial(async () => {
      const response = await this.#reInvite(sdp);
      if (call.ended || !isSdpBody(response.headers.contentType(), response.body)) return;
      const applied = await this.#media.pbxApplyAnswer(call.mediaNode(), call.id, response.body.toString('utf8'));
      call.setMediaPath(applied.mediaPath);
      this.#localHold = false;
      call.publishCurrent();
    });
  }

  /** The call moved to a new dialog (a transfer we followed): nobody holds it, the new session timer runs. */
  movedToNewDialog(spec: SessionTimerSpec | undefined): void {
    this.#localHold = false;
    this.#remoteHold = false;
    this.#sessionTimer.arm(spec);
  }

  /** Session timer of the initial INVITE: from our 2xx (UAS) or the peer's (UAC); undefined for none. */
  armSessionTimer(spec: SessionTimerSpec | undefined): void {
    this.#sessionTimer.arm(spec);
  }

  /** Notes what the peer allows (Allow of its INVITE, 2xx, or in-dialog request): UPDATE refreshes. */
  notePeerAllow(message: SipRequest | SipResponse): void {
    try {
      if (message.headers.has('Allow')) this.#peerAllowsUpdate = message.headers.tokens('Allow').includes('UPDATE');
    } catch {
      // A malformed Allow tells us nothing; refreshes fall back to re-INVITE.
    }
  }

  /**
   * We sent an offer in the 2xx to the INVITE with CSeq `cseq`: its ACK must carry the answer, which is
   * applied on the media node in the queue, then `applied(sdp)` runs (unless the call ended meanwhile).
   */
  expectAckAnswer(cseq: number, applied: (sdp: string) => void): void {
    this.#ackAnswer = { cseq, applied };
  }

  /**
   * An ACK of the dialog. The one that answers our offer is applied; an ACK without that answer ends
   * the session (RFC 3261 §13.2.2.4), and so does an answer the media node refuses.
   */
  receiveAck(ack: SipRequest): void {
    const expected = this.#ackAnswer;
    if (expected === undefined || expected.cseq !== ack.headers.cseq().seq) return;
    this.#ackAnswer = undefined;
    const call = this.#call;
    if (!isSdpBody(ack.headers.contentType(), ack.body)) {
      this.#logger.warn('ACK without the answer to our offer; hanging up');
      call.hangup('error');
      return;
    }
    const sdp = ack.body.toString('utf8');
    void this.serial(async () => {
      const result = await this.#media.pbxApplyAnswer(call.mediaNode(), call.id, sdp);
      if (call.ended) return;
      call.setMediaPath(result.mediaPath);
      expected.applied(sdp);
    }).catch((err: unknown) => this.#mediaOperationFailed(err));
  }

  /** The peer's re-INVITE: new SDP (hold, resume, re-targeting) applied by the media node and answered. */
  receiveReInvite(request: SipRequest, tx: InviteServerTransaction): void {
    const call = this.#call;
    if (this.#refusedForPendingOffer(tx)) return;
    const decision = uasSessionTimer(request.headers, this.#sessionExpiresS);
    if (decision.kind === 'reject') {
      this.#endpoint.reply(tx, decision.status, decision.headers);
      return;
    }
    const offer = isSdpBody(request.headers.contentType(), request.body) ? request.body.toString('utf8') : undefined;
    this.#answerRemoteOffer(tx, async () => {
      const headers: Array<[string, string]> = [['Contact', `<${formatUri(call.contact)}>`], ...this.#endpoint.capabilityHeaders(), ...decision.headers];
      if (offer !== undefined) {
        if (!(await this.#answerOffer(request, tx, offer, headers))) return;
      } else {
        // An offerless re-INVITE (RFC 3261 §14.2): we offer in the 2xx, the ACK answers.
        const { sdp } = await this.#media.pbxHoldOffer(call.mediaNode(), call.id, this.#localHold);
        if (call.ended) return;
        this.expectAckAnswer(request.headers.cseq().seq, (answer) => {
          const direction = audioDirection(answer);
          this.#remoteHold = direction === 'inactive' || (!this.#localHold && direction === 'recvonly');
          call.publishCurrent();
        });
        this.#endpoint.respond(tx, createResponse(request, 200, { headers, body: sdp, contentType: SDP }));
      }
      this.#sessionTimer.arm(decision.spec ?? this.#sessionTimer.spec);
      call.publishCurrent();
    });
  }

  /** The peer's UPDATE (RFC 3311): a session refresh, or new SDP like a re-INVITE. */
  receiveUpdate(request: SipRequest, tx: ServerTransaction): void {
    const call = this.#call;
    const decision = uasSessionTimer(request.headers, this.#sessionExpiresS);
    if (decision.kind === 'reject') {
      this.#endpoint.reply(tx, decision.status, decision.headers);
      return;
    }
    const offer = isSdpBody(request.headers.contentType(), request.body) ? request.body.toString('utf8') : undefined;
    const headers: Array<[string, string]> = [['Contact', `<${formatUri(call.contact)}>`], ...decision.headers];
    if (offer === undefined) {
      this.#endpoint.respond(tx, createResponse(request, 200, { headers }));
      if (call.confirmed) this.#sessionTimer.arm(decision.spec ?? this.#sessionTimer.spec);
      return;
    }
    if (this.#refusedForPendingOffer(tx)) return;
    this.#answerRemoteOffer(tx, async () => {
      if (!(await this.#answerOffer(request, tx, offer, headers))) return;
      this.#sessionTimer.arm(decision.spec ?? this.#sessionTimer.spec);
      call.publishCurrent();
    });
  }

  /** The call ended: the session timer stops, no ACK answer is awaited any more. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sessionTimer.stop();
    this.#ackAnswer = undefined;
  }

  #mediaOperationFailed(err: unknown): void {
    if (this.#call.ended) return;
    this.#logger.warn({ err: (err as Error).message }, 'media operation failed; hanging up');
    this.#call.hangup('media-failure');
  }

  /**
   * A peer offer (re-INVITE or UPDATE) that cannot be taken now is answered here: 491 before the call
   * is confirmed or while our own offer is outstanding (glare), 500 with Retry-After while the peer's
   * previous offer is still being answered. True when it was refused.
   */
  #refusedForPendingOffer(tx: ServerTransaction): boolean {
    if (!this.#call.confirmed || this.#localOffer) {
      this.#endpoint.reply(tx, 491);
      return true;
    }
    if (this.#remoteOffer) {
      this.#endpoint.reply(tx, 500, [['Retry-After', String(1 + Math.floor(Math.random() * 5))]]);
      return true;
    }
    return false;
  }

  /**
   * Runs `answer` in the offer/answer queue with the peer's offer marked outstanding; skipped once the
   * call has ended. A failure answers 500 (unless a final response went out) and hangs up.
   */
  #answerRemoteOffer(tx: ServerTransaction, answer: () => Promise<void>): void {
    this.#remoteOffer = true;
    void this.serial(async () => {
      try {
        if (this.#call.ended) return;
        await answer();
      } finally {
        this.#remoteOffer = false;
      }
    }).catch((err: unknown) => {
      if (tx.finalResponseSent === undefined && !tx.terminated) this.#endpoint.reply(tx, 500);
      this.#mediaOperationFailed(err);
    });
  }

  /** Applies the peer's SDP `offer` on the media node and answers 200 with its answer; false when refused or ended meanwhile. */
  async #answerOffer(request: SipRequest, tx: ServerTransaction, offer: string, headers: Array<[string, string]>): Promise<boolean> {
    const call = this.#call;
    let answer: { sdp: string; mediaPath: MediaPath; softphoneRenegotiate?: boolean | undefined };
    try {
      answer = await this.#media.pbxOffer(call.mediaNode(), call.id, offer);
    } catch (err) {
      this.#refuseOffer(tx, err);
      return false;
    }
    if (call.ended) return false;
    if (answer.softphoneRenegotiate && this.#renegotiateSoftphone) {
      // The offer added or removed video: the softphone is re-offered and answers before our 200 goes
      // out, so the far end's picture has a camera to meet. A softphone that declines the video we just
      // took leaves the PBX video idle: a re-INVITE with m=video 0 follows (queued after this one).
      const taken = await this.#renegotiateSoftphone(call.id).then((r) => r.video, (err: unknown) => {
        this.#logger.warn({ err: (err as Error).message }, 'the softphone was not re-offered; the call goes on as it has it');
        return undefined;
      });
      if (call.ended) return false;
      if (taken === false && /^m=video [1-9]/m.test(answer.sdp)) {
        void this.video(false).catch((err: unknown) => this.#logger.warn({ err: (err as Error).message }, 'video downgrade after the softphone declined failed'));
      }
    }
    this.#endpoint.respond(tx, createResponse(request, 200, { headers, body: answer.sdp, contentType: SDP }));
    call.setMediaPath(answer.mediaPath);
    this.#remoteHold = isHoldOffer(offer);
    return true;
  }

  /** An offer the media node refused: 488 (codec/SDP) or 500/503; the call itself continues. */
  #refuseOffer(tx: ServerTransaction, err: unknown): void {
    const status = statusOfMediaError(err instanceof MediaFailedError ? err.remoteCode : undefined);
    this.#logger.warn({ err: (err as Error).message, status }, 'peer offer refused');
    this.#endpoint.reply(tx, status);
  }

  /** Our re-INVITE with `sdp`; retried on 491 (glare), the 2xx ACKed. Resolves with the 2xx. */
  async #reInvite(sdp: string, extraHeaders: Array<[string, string]> = []): Promise<SipResponse> {
    const call = this.#call;
    for (let attempt = 0; ; attempt++) {
      if (!call.confirmed || !call.dialog) throw new CallStateError(`call not connected [callId:${call.id}]`);
      const request = call.dialog.createRequest('INVITE', {
        body: sdp,
        contentType: SDP,
        headers: [...this.#endpoint.capabilityHeaders().filter(([n]) => n !== 'Accept'), ...extraHeaders],
      });
      this.#localOffer = true;
      let response: SipResponse;
      try {
        response = await this.#sendInvite(request);
      } catch (err) {
        if (err instanceof SipTimeoutError) call.hangup('timeout');
        throw err;
      } finally {
        this.#localOffer = false;
      }
      if (response.status < 300) return response;
      if (response.status === 491 && attempt < GLARE_RETRIES) {
        // §14.1: the Call-ID owner (the side that sent the initial INVITE) waits 2.1-4 s, the other 0-2 s.
        const wait = call.ownsCallId ? 2100 + Math.random() * 1900 : Math.random() * 2000;
        await new Promise<void>((resolve) => call.timer(wait, resolve));
        continue;
      }
      if (response.status === 481 || response.status === 408) call.hangup('error', { status: response.status, reason: response.reason });
      throw new SipRequestFailedError('INVITE', response.status, response.reason, `callId:${call.id}`);
    }
  }

  /** Sends an in-dialog INVITE and ACKs its 2xx (and the 2xx's retransmissions). */
  #sendInvite(request: SipRequest): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      const tx = this.#endpoint.send(request, nextHop(request));
      let settled = false;
      tx.on('response', (response) => {
        if (response.status < 200) return;
        if (response.status < 300) {
          const dialog = this.#call.dialog;
          dialog?.receiveResponse(response, request);
          this.notePeerAllow(response);
          if (dialog) this.#call.sendAck(dialog, request);
        }
        if (!settled) {
          settled = true;
          resolve(response);
        }
      });
      tx.once('timeout', (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
      tx.once('transporterror', (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
    });
  }

  /** RFC 4028 refresh as refresher: UPDATE without SDP when the peer allows it, else a re-INVITE. */
  async #refreshSession(): Promise<void> {
    const call = this.#call;
    const spec = this.#sessionTimer.spec;
    if (!call.confirmed || !call.dialog || !spec) return;
    try {
      await this.serial(async () => {
        if (!call.confirmed || !call.dialog) return;
        let interval = spec.interval;
        for (let attempt = 0; attempt < 2; attempt++) {
          const headers: Array<[string, string]> = [['Supported', 'timer'], ...requestSessionHeaders(interval, true)];
          let response: SipResponse;
          if (this.#peerAllowsUpdate) {
            const update = call.dialog.createRequest('UPDATE', { headers });
            response = await call.request(update);
          } else {
            const { sdp } = await this.#media.pbxHoldOffer(call.mediaNode(), call.id, this.#localHold);
            try {
              response = await this.#reInvite(sdp, headers);
            } catch (err) {
              if (err instanceof SipRequestFailedError) response = { status: err.status } as SipResponse;
              else throw err;
            }
            if (response.status < 300 && isSdpBody(response.headers.contentType(), response.body)) {
              const applied = await this.#media.pbxApplyAnswer(call.mediaNode(), call.id, response.body.toString('utf8'));
              call.setMediaPath(applied.mediaPath);
            }
          }
          if (call.ended) return;
          if (response.status === 422 && attempt === 0) {
            interval = Math.max(interval, response.headers.minSE() ?? MIN_SE);
            continue;
          }
          if (response.status < 300) {
            this.#sessionTimer.arm(uacSessionTimer(response.headers) ?? { interval, refresher: 'local' });
          } else {
            // A refused refresh (other than 408/481, which ended the call) keeps the session: try again later.
            this.#sessionTimer.arm({ interval, refresher: 'local' });
          }
          return;
        }
      });
    } catch (err) {
      if (!call.ended) {
        this.#logger.warn({ err: (err as Error).message }, 'session refresh failed');
        this.#sessionTimer.arm({ interval: spec.interval, refresher: 'local' });
      }
    }
  }
}
