// What both directions of a call share once a dialog exists: the asserted phase machine, the call events
// (per-call seq via the publisher; held/connected and media path derived from hold flags), the in-dialog
// requests of the PBX (BYE, re-INVITE and UPDATE with new SDP for hold, resume and Direct Media
// re-targeting, INFO, OPTIONS, NOTIFY), our own re-INVITEs (hold/retrieve, RFC 3261 §14.1 glare retry),
// RFC 4028 session timers, DTMF via INFO, REFER, BYE, and the end of the call (media closed, event
// published, '@close' emitted). Offer/answer work runs one operation at a time per call.
import { EventEmitter } from 'node:events';
import type { CallCause, CallDirection, CallState, HoldSide, LineConfig, Logger, MediaPath } from '@ucserver/shared';
import { targetUri, type LineAddress } from '../userAgent/lineAddress.ts';
import type { DialogHandler } from '../userAgent/SipEndpointTypes.ts';
import { CallStateError, MediaFailedError, SipRequestFailedError } from '../errors.ts';
import { audioDirection, isHoldOffer, isSdpBody } from '../media/sdp.ts';
import {
  createResponse,
  DialogError,
  formatUri,
  nextHop,
  SipTimeoutError,
  systemClock,
  type Clock,
  type Dialog,
  type InviteServerTransaction,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type TimerHandle,
} from '../sip/mod.ts';
import { statusOfMediaError, type CallDropReason } from './causes.ts';
import type { CallEventBase, CallEventChange } from './CallEventPublisherTypes.ts';
import { DTMF_RELAY_TYPE, dtmfRelayBody, parseDtmfRelay, splitDigits } from './dtmf.ts';
import { SessionTimer } from './SessionTimer.ts';
import { MIN_SE, requestSessionHeaders, uacSessionTimer, uasSessionTimer } from './sessionTimers.ts';
import { CALL_TRANSITIONS, CallPhase, type SipCallDeps, type SipCallDump, type SipCallEvents, type SipCallOptions } from './SipCallTypes.ts';

const SDP = 'application/sdp';
/** Offer/answer operations queued per call before further commands are refused. */
const MAX_QUEUED = 16;
/** Our re-INVITEs answered 491 are retried this often (RFC 3261 §14.1). */
const GLARE_RETRIES = 2;

export abstract class SipCall extends EventEmitter<SipCallEvents> implements DialogHandler {
  readonly id: string;
  readonly direction: CallDirection;
  readonly line: LineConfig;
  readonly address: LineAddress;
  readonly contact: SipUri;
  readonly startedAt: number;
  protected readonly deps: SipCallDeps;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly sessionTimer: SessionTimer;
  protected dialog: Dialog | undefined;
  protected mediaNodeId: string | undefined;
  protected mediaPath: MediaPath | undefined;
  /** The media node holds state for this call (close it at the end). */
  protected mediaTouched = false;
  readonly #origin: SipCallOptions['origin'];
  readonly #remoteNumber: string;
  readonly #remoteName: string | undefined;
  #phase: CallPhase;
  readonly #dialogKeys = new Set<string>();
  #localHold = false;
  #remoteHold = false;
  #published: { state: CallState; hold: HoldSide | undefined; mediaPath: MediaPath | undefined } | undefined;
  #everPublished = false;
  #everConfirmed = false;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #dtmf: Promise<unknown> = Promise.resolve();
  /** Our re-INVITE or UPDATE with an offer is outstanding (a peer offer now is glare: 491). */
  #localOffer = false;
  /** The peer's re-INVITE/UPDATE is being answered (a second one gets 500 with Retry-After). */
  #remoteOffer = false;
  /** We answered an offerless re-INVITE with an offer; its ACK carries the answer. */
  #awaitingAckAnswer: number | undefined;
  /** 2xx ACKs of our INVITEs by CSeq, re-sent when the 2xx is retransmitted (our ACK was lost). */
  readonly #acks = new Map<number, SipRequest>();
  #peerAllowsUpdate = false;
  #referPending = false;
  readonly #timers = new Set<TimerHandle>();

  protected constructor(options: SipCallOptions, deps: SipCallDeps, direction: CallDirection, initial: CallPhase) {
    super();
    this.id = options.callId;
    this.direction = direction;
    this.line = options.line;
    this.address = options.address;
    this.contact = options.contact;
    this.mediaNodeId = options.mediaNodeId;
    this.#origin = options.origin;
    this.#remoteNumber = options.remoteNumber;
    this.#remoteName = options.remoteName;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger.child({ callId: options.callId, lineId: options.line.lineId });
    this.#phase = initial;
    this.startedAt = this.clock.now();
    deps.metrics.callsActive.inc({ direction });
    this.sessionTimer = new SessionTimer({
      clock: deps.clock,
      onRefresh: () => void this.#refreshSession(),
      onExpire: () => {
        this.logger.warn('session expired without refresh (RFC 4028)');
        this.hangup('timeout');
      },
    });
  }

  // --- state -----------------------------------------------------------------------------------

  get phase(): CallPhase {
    return this.#phase;
  }

  get ended(): boolean {
    return this.#phase === CallPhase.Ended;
  }

  get confirmed(): boolean {
    return this.#phase === CallPhase.Confirmed;
  }

  dump(): SipCallDump {
    return {
      callId: this.id,
      lineId: this.line.lineId,
      direction: this.direction,
      phase: this.#phase,
      state: this.#published?.state,
      hold: this.#holdSide(),
      mediaNodeId: this.mediaNodeId,
      mediaPath: this.mediaPath,
      dialog: this.dialog?.dump(),
    };
  }

  protected transition(to: CallPhase): void {
    const from = this.#phase;
    if (!CALL_TRANSITIONS[from].includes(to)) throw new CallStateError(`invalid call transition ${from} → ${to} [callId:${this.id}]`);
    this.#phase = to;
  }

  // --- commands (the gateway) ------------------------------------------------------------------

  abstract alert(): Promise<void>;
  abstract answer(): Promise<void>;
  abstract drop(reason: CallDropReason): Promise<void>;
  /** The media node reported the call's media as failed. */
  abstract mediaFailed(cause: string): void;

  /** Our hold (re-INVITE with a sendonly offer) or retrieve (sendrecv). */
  hold(on: boolean): Promise<void> {
    this.#assertConfirmed('hold');
    return this.serial(async () => {
      if (this.#localHold === on || !this.confirmed) return;
      const { sdp } = await this.deps.media.pbxHoldOffer(this.#node(), this.id, on);
      this.mediaTouched = true;
      const response = await this.#reInvite(sdp);
      if (this.ended) return;
      if (isSdpBody(response.headers.contentType(), response.body)) {
        const applied = await this.deps.media.pbxApplyAnswer(this.#node(), this.id, response.body.toString('utf8'));
        this.mediaPath = applied.mediaPath;
      }
      this.#localHold = on;
      this.publishCurrent();
    });
  }

  /** DTMF: one INFO (application/dtmf-relay) per digit, in order. */
  sendDigits(digits: string, durationMs: number): Promise<void> {
    this.#assertConfirmed('send digits');
    const run = this.#dtmf.then(async () => {
      for (const digit of splitDigits(digits)) {
        if (!this.confirmed || !this.dialog) throw new CallStateError(`call ended while sending digits [callId:${this.id}]`);
        const info = this.dialog.createRequest('INFO', { body: dtmfRelayBody(digit, durationMs), contentType: DTMF_RELAY_TYPE });
        const response = await this.#nonInvite(info);
        if (response.status >= 300) throw new SipRequestFailedError('INFO', response.status, response.reason, `callId:${this.id}`);
      }
    });
    this.#dtmf = run.catch(() => undefined);
    return run;
  }

  /**
   * The media node re-routed the call (MediaCallEvent path: Direct Media found, or the PBX inserted
   * itself again); a connected call publishes the new path.
   */
  mediaPathChanged(path: MediaPath): void {
    if (this.ended || this.mediaPath === path) return;
    this.mediaPath = path;
    this.publishCurrent();
  }

  /** Transfer of a connected call (REFER); a ringing incoming call is deflected by IncomingCall (302). */
  async redirect(target: string): Promise<void> {
    this.#assertConfirmed('transfer');
    const dialog = this.dialog as Dialog;
    const refer = dialog.createRequest('REFER', {
      headers: [
        ['Refer-To', `<${formatUri(targetUri(target, this.address))}>`],
        ['Referred-By', `<${formatUri(this.address.aor)}>`],
      ],
    });
    const response = await this.#nonInvite(refer);
    if (response.status >= 300) throw new SipRequestFailedError('REFER', response.status, response.reason, `callId:${this.id}`);
    this.#referPending = true;
  }

  /** Ends the call from our side in whatever phase it is (shutdown: a ringing call gets 480). */
  terminate(): Promise<void> {
    return this.drop('unavailable').catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'terminating the call failed');
      this.end('error');
    });
  }

  // --- DialogHandler (the PBX) -----------------------------------------------------------------

  handleRequest(request: SipRequest, tx: ServerTransaction): void {
    const dialog = this.dialog;
    if (this.ended || !dialog) {
      this.deps.endpoint.reply(tx, 481);
      return;
    }
    try {
      dialog.receiveRequest(request);
    } catch (err) {
      if (err instanceof DialogError) {
        this.deps.endpoint.reply(tx, err.status ?? 500);
        return;
      }
      throw err;
    }
    this.#notePeerAllow(request);
    switch (request.method) {
      case 'BYE':
        this.deps.endpoint.reply(tx, 200);
        this.onRemoteBye();
        return;
      case 'INVITE':
        this.#onReInvite(request, tx as InviteServerTransaction);
        return;
      case 'UPDATE':
        this.#onUpdate(request, tx);
        return;
      case 'INFO': {
        const dtmf = request.headers.contentType()?.subtype === 'dtmf-relay' ? parseDtmfRelay(request.body.toString('utf8')) : undefined;
        if (dtmf) this.logger.debug({ digit: dtmf.signal }, 'DTMF INFO from the PBX');
        this.deps.endpoint.reply(tx, 200);
        return;
      }
      case 'OPTIONS':
        this.deps.endpoint.reply(tx, 200, this.deps.endpoint.capabilityHeaders());
        return;
      case 'NOTIFY':
        this.deps.endpoint.reply(tx, 200);
        this.#onNotify(request);
        return;
      default:
        this.deps.endpoint.reply(tx, 501);
    }
  }

  handleAck(ack: SipRequest): void {
    const cseq = ack.headers.cseq().seq;
    if (this.#awaitingAckAnswer === cseq) {
      this.#awaitingAckAnswer = undefined;
      this.applyAckAnswer(ack, (sdp) => {
        const direction = audioDirection(sdp);
        this.#remoteHold = direction === 'inactive' || (!this.#localHold && direction === 'recvonly');
        this.publishCurrent();
      });
    }
  }

  /**
   * The answer to an offer we put in a 2xx (an offerless re-INVITE, or a late-offer INVITE), carried by
   * its ACK: applied on the media node in the offer/answer queue, then `applied(sdp)`. An ACK without the
   * answer ends the session (RFC 3261 §13.2.2.4); a refused answer too.
   */
  protected applyAckAnswer(ack: SipRequest, applied: (sdp: string) => void): void {
    if (!isSdpBody(ack.headers.contentType(), ack.body)) {
      this.logger.warn('ACK without the answer to our offer; hanging up');
      this.hangup('error');
      return;
    }
    const sdp = ack.body.toString('utf8');
    void this.serial(async () => {
      const result = await this.deps.media.pbxApplyAnswer(this.#node(), this.id, sdp);
      if (this.ended) return;
      this.mediaPath = result.mediaPath;
      applied(sdp);
    }).catch((err: unknown) => this.#mediaOperationFailed(err));
  }

  handleStrayResponse(response: SipResponse): void {
    const cseq = response.headers.cseq();
    if (cseq.method !== 'INVITE') return;
    const ack = this.#acks.get(cseq.seq);
    if (ack) this.deps.endpoint.sendAck(ack, nextHop(ack));
  }

  // --- for the subclasses ----------------------------------------------------------------------

  /** Runs offer/answer work one at a time, in arrival order. */
  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#queued >= MAX_QUEUED) return Promise.reject(new CallStateError(`too many operations pending [callId:${this.id}]`));
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

  /** A timer cleared when the call ends. */
  protected timer(ms: number, fn: () => void): TimerHandle {
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      if (!this.ended) fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  protected clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }

  protected useDialog(dialog: Dialog): void {
    this.dialog = dialog;
    this.addDialogKey(dialog.key);
  }

  protected addDialogKey(key: string): void {
    if (this.#dialogKeys.has(key) || this.ended) return;
    this.#dialogKeys.add(key);
    this.deps.endpoint.addDialog(key, this);
  }

  protected eventBase(): CallEventBase {
    return {
      callId: this.id,
      lineId: this.line.lineId,
      lineNumber: this.line.number,
      direction: this.direction,
      remoteNumber: this.#remoteNumber,
      ...(this.#remoteName ? { remoteName: this.#remoteName } : {}),
      ...(this.mediaNodeId ? { mediaNodeId: this.mediaNodeId } : {}),
      origin: this.#origin,
    };
  }

  /** Publishes one call event and remembers it as the last published state. */
  protected publish(change: CallEventChange): void {
    this.#everPublished = true;
    this.#published = { state: change.state, hold: change.hold, mediaPath: change.mediaPath ?? this.#published?.mediaPath };
    void this.deps.publisher.publish(this.eventBase(), change);
  }

  /** The dialog is confirmed (2xx ACKed): mid-call requests are handled from now on. */
  protected confirm(): void {
    this.transition(CallPhase.Confirmed);
  }

  /** The call is answered and its media set up: counts the setup and publishes 'connected'. */
  protected announceConnected(extra: Omit<CallEventChange, 'state'> = {}): void {
    this.#everConfirmed = true;
    this.deps.metrics.callSetupOutcomes.inc({ direction: this.direction, outcome: 'answered' });
    this.deps.metrics.callSetupSeconds.observe({ direction: this.direction }, (this.clock.now() - this.startedAt) / 1000);
    this.publish({ state: 'connected', ...(this.mediaPath ? { mediaPath: this.mediaPath } : {}), ...extra });
  }

  /** Publishes connected/held when the hold flags or the media path changed since the last event. */
  protected publishCurrent(): void {
    // Nothing before 'connected' was announced: that event carries the state and path of the moment.
    if (!this.confirmed || !this.#everConfirmed) return;
    const hold = this.#holdSide();
    const state: CallState = hold ? 'held' : 'connected';
    const last = this.#published;
    if (last && last.state === state && last.hold === hold && last.mediaPath === this.mediaPath) return;
    this.publish({ state, ...(hold ? { hold } : {}), ...(this.mediaPath ? { mediaPath: this.mediaPath } : {}) });
  }

  /** The PBX hung up (BYE). */
  protected onRemoteBye(): void {
    this.end('normal');
  }

  /** Sends BYE when there is a dialog to end, then ends the call. */
  protected hangup(cause: CallCause, sip: { status?: number; reason?: string } = {}): void {
    if (this.ended) return;
    const dialog = this.dialog;
    if (dialog && dialog.state !== 'terminated') {
      try {
        const bye = dialog.createRequest('BYE');
        this.#nonInvite(bye).catch((err: unknown) => this.logger.info({ err: (err as Error).message }, 'BYE not answered'));
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'cannot send BYE');
      }
    }
    this.end(cause, sip);
  }

  /** Ends the call: timers off, dialog forgotten, 'disconnected' published, media closed, '@close'. */
  protected end(cause: CallCause, sip: { status?: number; reason?: string } = {}): void {
    if (this.ended) return;
    this.#phase = CallPhase.Ended;
    this.sessionTimer.stop();
    for (const handle of this.#timers) this.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const key of this.#dialogKeys) this.deps.endpoint.removeDialog(key, this);
    this.#dialogKeys.clear();
    this.dialog?.terminate();
    this.#acks.clear();
    if (!this.#everConfirmed) this.deps.metrics.callSetupOutcomes.inc({ direction: this.direction, outcome: cause });
    this.deps.metrics.callsActive.dec({ direction: this.direction });
    if (this.#everPublished) {
      this.publish({
        state: 'disconnected',
        cause,
        ...(sip.status !== undefined ? { sipStatus: sip.status } : {}),
        ...(sip.reason ? { sipReason: sip.reason.slice(0, 256) } : {}),
      });
    }
    if (this.mediaTouched && this.mediaNodeId) void this.deps.media.close(this.mediaNodeId, this.id, cause);
    this.logger.info({ cause, sipStatus: sip.status }, 'call ended');
    this.emit('@close', cause);
  }

  /** Notes what the peer allows (Allow of its INVITE, 2xx, or in-dialog request): UPDATE refreshes. */
  protected notePeerAllow(message: SipRequest | SipResponse): void {
    this.#notePeerAllow(message);
  }

  /** Session timer of the initial INVITE: from our 2xx (UAS) or the peer's (UAC). */
  protected armSessionTimer(spec: ReturnType<typeof uacSessionTimer>): void {
    this.sessionTimer.arm(spec);
  }

  /** Remembers the ACK of a 2xx to re-send it when that 2xx is retransmitted. */
  protected rememberAck(cseq: number, ack: SipRequest): void {
    this.#acks.set(cseq, ack);
    if (this.#acks.size > 4) this.#acks.delete(this.#acks.keys().next().value as number);
  }

  protected setRemoteHold(sdp: string): void {
    this.#remoteHold = isHoldOffer(sdp);
  }

  // --- internals -------------------------------------------------------------------------------

  #holdSide(): HoldSide | undefined {
    if (this.#localHold && this.#remoteHold) return 'both';
    if (this.#localHold) return 'local';
    if (this.#remoteHold) return 'remote';
    return undefined;
  }

  #node(): string {
    if (!this.mediaNodeId) throw new CallStateError(`call has no media node [callId:${this.id}]`);
    return this.mediaNodeId;
  }

  #assertConfirmed(what: string): void {
    if (!this.confirmed || !this.dialog) throw new CallStateError(`cannot ${what} in phase ${this.#phase} [callId:${this.id}]`);
  }

  #notePeerAllow(message: SipRequest | SipResponse): void {
    try {
      if (message.headers.has('Allow')) this.#peerAllowsUpdate = message.headers.tokens('Allow').includes('UPDATE');
    } catch {
      // A malformed Allow tells us nothing; refreshes fall back to re-INVITE.
    }
  }

  #mediaOperationFailed(err: unknown): void {
    if (this.ended) return;
    this.logger.warn({ err: (err as Error).message }, 'media operation failed; hanging up');
    this.hangup('media-failure');
  }

  /** A non-INVITE request within the dialog; a 408/481 answer or a timeout ends the dialog (§12.2.1.2). */
  async #nonInvite(request: SipRequest): Promise<SipResponse> {
    try {
      const response = await this.deps.endpoint.request(request, nextHop(request));
      this.dialog?.receiveResponse(response, request);
      if ((response.status === 481 || response.status === 408) && request.method !== 'BYE') this.hangup('error', { status: response.status, reason: response.reason });
      return response;
    } catch (err) {
      if (request.method !== 'BYE' && err instanceof SipTimeoutError) this.hangup('timeout');
      throw err;
    }
  }

  /** Our re-INVITE with `sdp`; retried on 491 (glare), the 2xx ACKed. Resolves with the 2xx. */
  async #reInvite(sdp: string, extraHeaders: Array<[string, string]> = []): Promise<SipResponse> {
    for (let attempt = 0; ; attempt++) {
      if (!this.confirmed || !this.dialog) throw new CallStateError(`call not connected [callId:${this.id}]`);
      const request = this.dialog.createRequest('INVITE', {
        body: sdp,
        contentType: SDP,
        headers: [...this.deps.endpoint.capabilityHeaders().filter(([n]) => n !== 'Accept'), ...extraHeaders],
      });
      this.#localOffer = true;
      let response: SipResponse;
      try {
        response = await this.#sendInvite(request);
      } catch (err) {
        if (err instanceof SipTimeoutError) this.hangup('timeout');
        throw err;
      } finally {
        this.#localOffer = false;
      }
      if (response.status < 300) return response;
      if (response.status === 491 && attempt < GLARE_RETRIES) {
        // §14.1: the Call-ID owner (the side that sent the initial INVITE) waits 2.1-4 s, the other 0-2 s.
        const owner = this.direction === 'outbound';
        const wait = owner ? 2100 + Math.random() * 1900 : Math.random() * 2000;
        await new Promise<void>((resolve) => this.timer(wait, resolve));
        continue;
      }
      if (response.status === 481 || response.status === 408) this.hangup('error', { status: response.status, reason: response.reason });
      throw new SipRequestFailedError('INVITE', response.status, response.reason, `callId:${this.id}`);
    }
  }

  /** Sends an in-dialog INVITE and ACKs its 2xx (and the 2xx's retransmissions). */
  #sendInvite(request: SipRequest): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      const tx = this.deps.endpoint.send(request, nextHop(request));
      let settled = false;
      tx.on('response', (response) => {
        if (response.status < 200) return;
        if (response.status < 300) {
          this.dialog?.receiveResponse(response, request);
          this.#notePeerAllow(response);
          const ack = this.dialog?.createAck(request);
          if (ack) {
            this.rememberAck(request.headers.cseq().seq, ack);
            this.deps.endpoint.sendAck(ack, nextHop(ack));
          }
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

  /** The peer's re-INVITE: new SDP (hold, resume, re-targeting) applied by the media node and answered. */
  #onReInvite(request: SipRequest, tx: InviteServerTransaction): void {
    const endpoint = this.deps.endpoint;
    if (this.#refusedForPendingOffer(tx)) return;
    const decision = uasSessionTimer(request.headers, this.deps.settings.sessionExpiresS);
    if (decision.kind === 'reject') {
      endpoint.reply(tx, decision.status, decision.headers);
      return;
    }
    const offer = isSdpBody(request.headers.contentType(), request.body) ? request.body.toString('utf8') : undefined;
    this.#answerRemoteOffer(tx, async () => {
      const headers: Array<[string, string]> = [['Contact', `<${formatUri(this.contact)}>`], ...endpoint.capabilityHeaders(), ...decision.headers];
      if (offer !== undefined) {
        if (!(await this.#answerOffer(request, tx, offer, headers))) return;
      } else {
        // An offerless re-INVITE (RFC 3261 §14.2): we offer in the 2xx, the ACK answers.
        const { sdp } = await this.deps.media.pbxHoldOffer(this.#node(), this.id, this.#localHold);
        if (this.ended) return;
        this.#awaitingAckAnswer = request.headers.cseq().seq;
        endpoint.respond(tx, createResponse(request, 200, { headers, body: sdp, contentType: SDP }));
      }
      this.sessionTimer.arm(decision.spec ?? this.sessionTimer.spec);
      this.publishCurrent();
    });
  }

  /** The peer's UPDATE (RFC 3311): a session refresh, or new SDP like a re-INVITE. */
  #onUpdate(request: SipRequest, tx: ServerTransaction): void {
    const endpoint = this.deps.endpoint;
    const decision = uasSessionTimer(request.headers, this.deps.settings.sessionExpiresS);
    if (decision.kind === 'reject') {
      endpoint.reply(tx, decision.status, decision.headers);
      return;
    }
    const offer = isSdpBody(request.headers.contentType(), request.body) ? request.body.toString('utf8') : undefined;
    const headers: Array<[string, string]> = [['Contact', `<${formatUri(this.contact)}>`], ...decision.headers];
    if (offer === undefined) {
      endpoint.respond(tx, createResponse(request, 200, { headers }));
      if (this.confirmed) this.sessionTimer.arm(decision.spec ?? this.sessionTimer.spec);
      return;
    }
    if (this.#refusedForPendingOffer(tx)) return;
    this.#answerRemoteOffer(tx, async () => {
      if (!(await this.#answerOffer(request, tx, offer, headers))) return;
      this.sessionTimer.arm(decision.spec ?? this.sessionTimer.spec);
      this.publishCurrent();
    });
  }

  /**
   * A peer offer (re-INVITE or UPDATE) that cannot be taken now is answered here: 491 before the call
   * is confirmed or while our own offer is outstanding (glare), 500 with Retry-After while the peer's
   * previous offer is still being answered. True when it was refused.
   */
  #refusedForPendingOffer(tx: ServerTransaction): boolean {
    if (!this.confirmed || this.#localOffer) {
      this.deps.endpoint.reply(tx, 491);
      return true;
    }
    if (this.#remoteOffer) {
      this.deps.endpoint.reply(tx, 500, [['Retry-After', String(1 + Math.floor(Math.random() * 5))]]);
      return true;
    }
    return false;
  }

  /**
   * Runs `answer` in the call's offer/answer queue with the peer's offer marked outstanding; skipped
   * once the call has ended. A failure answers 500 (unless a final response went out) and hangs up.
   */
  #answerRemoteOffer(tx: ServerTransaction, answer: () => Promise<void>): void {
    this.#remoteOffer = true;
    void this.serial(async () => {
      try {
        if (this.ended) return;
        await answer();
      } finally {
        this.#remoteOffer = false;
      }
    }).catch((err: unknown) => {
      if (tx.finalResponseSent === undefined && !tx.terminated) this.deps.endpoint.reply(tx, 500);
      this.#mediaOperationFailed(err);
    });
  }

  /** Applies the peer's SDP `offer` on the media node and answers 200 with its answer; false when refused or ended meanwhile. */
  async #answerOffer(request: SipRequest, tx: ServerTransaction, offer: string, headers: Array<[string, string]>): Promise<boolean> {
    let answer: { sdp: string; mediaPath: MediaPath };
    try {
      answer = await this.deps.media.pbxOffer(this.#node(), this.id, offer);
    } catch (err) {
      this.#refuseOffer(tx, err);
      return false;
    }
    if (this.ended) return false;
    this.deps.endpoint.respond(tx, createResponse(request, 200, { headers, body: answer.sdp, contentType: SDP }));
    this.mediaPath = answer.mediaPath;
    this.#remoteHold = isHoldOffer(offer);
    return true;
  }

  /** An offer the media node refused: 488 (codec/SDP) or 500/503; the call itself continues. */
  #refuseOffer(tx: ServerTransaction, err: unknown): void {
    const status = statusOfMediaError(err instanceof MediaFailedError ? err.remoteCode : undefined);
    this.logger.warn({ err: (err as Error).message, status }, 'peer offer refused');
    this.deps.endpoint.reply(tx, status);
  }

  /** NOTIFY of our REFER (message/sipfrag): a 2xx means the transfer succeeded, so we leave the call. */
  #onNotify(request: SipRequest): void {
    if (!this.#referPending) return;
    const frag = request.body.toString('utf8');
    const status = /^SIP\/2\.0 (\d{3})/.exec(frag)?.[1];
    if (status === undefined) return;
    if (status.startsWith('2')) {
      this.#referPending = false;
      this.hangup('redirected');
    } else if (!status.startsWith('1')) {
      this.#referPending = false;
      this.logger.info({ status }, 'transfer failed; the call continues');
    }
  }

  /** RFC 4028 refresh as refresher: UPDATE without SDP when the peer allows it, else a re-INVITE. */
  async #refreshSession(): Promise<void> {
    const spec = this.sessionTimer.spec;
    if (!this.confirmed || !this.dialog || !spec) return;
    try {
      await this.serial(async () => {
        if (!this.confirmed || !this.dialog) return;
        let interval = spec.interval;
        for (let attempt = 0; attempt < 2; attempt++) {
          const headers: Array<[string, string]> = [['Supported', 'timer'], ...requestSessionHeaders(interval, true)];
          let response: SipResponse;
          if (this.#peerAllowsUpdate) {
            const update = this.dialog.createRequest('UPDATE', { headers });
            response = await this.#nonInvite(update);
          } else {
            const { sdp } = await this.deps.media.pbxHoldOffer(this.#node(), this.id, this.#localHold);
            try {
              response = await this.#reInvite(sdp, headers);
            } catch (err) {
              if (err instanceof SipRequestFailedError) response = { status: err.status } as SipResponse;
              else throw err;
            }
            if (response.status < 300 && isSdpBody(response.headers.contentType(), response.body)) {
              const applied = await this.deps.media.pbxApplyAnswer(this.#node(), this.id, response.body.toString('utf8'));
              this.mediaPath = applied.mediaPath;
            }
          }
          if (this.ended) return;
          if (response.status === 422 && attempt === 0) {
            interval = Math.max(interval, response.headers.minSE() ?? MIN_SE);
            continue;
          }
          if (response.status < 300) {
            this.sessionTimer.arm(uacSessionTimer(response.headers) ?? { interval, refresher: 'local' });
          } else {
            // A refused refresh (other than 408/481, which ended the call) keeps the session: try again later.
            this.sessionTimer.arm({ interval, refresher: 'local' });
          }
          return;
        }
      });
    } catch (err) {
      if (!this.ended) {
        this.logger.warn({ err: (err as Error).message }, 'session refresh failed');
        this.sessionTimer.arm({ interval: spec.interval, refresher: 'local' });
      }
    }
  }
}
