// What both directions of a call share once a dialog exists: the asserted phase machine, the call events
// (per-call seq via the publisher; held/connected and media path derived from the hold side), DTMF via
// INFO, REFER, BYE, and the end of the call (media closed, event published, '@close' emitted). Its
// dialogs (the PBX's in-dialog requests, our non-INVITE requests and ACKs) are its CallDialogs'; offer
// and answer within them, with our re-INVITEs and the RFC 4028 session timer, its InDialogNegotiation's.
import { EventEmitter } from 'node:events';
import type { CallCause, CallDirection, CallState, GatewayInstance, HoldSide, LineConfig, Logger, MediaPath, PbxCallTeardown } from '@ucserver/shared';
import { CallStateError } from '../errors.ts';
import {
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
import type { LineAddress } from '../userAgent/lineAddress.ts';
import type { DialogHandler } from '../userAgent/SipEndpointTypes.ts';
import type { CallDropReason } from './causes.ts';
import type { CallEventBase, CallEventChange } from './CallEventPublisherTypes.ts';
import { CallDialogs } from './CallDialogs.ts';
import { DtmfSender } from './DtmfSender.ts';
import { CallTransfer } from './CallTransfer.ts';
import { InDialogNegotiation } from './InDialogNegotiation.ts';
import { dialogTeardown } from './teardown.ts';
import type { NegotiatingCall } from './InDialogNegotiationTypes.ts';
import type { SessionTimerSpec } from './sessionTimers.ts';
import { partyText } from './partyText.ts';
import { CALL_TRANSITIONS, CallPhase, type SipCallDeps, type SipCallDump, type SipCallEvents, type SipCallOptions } from './SipCallTypes.ts';

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
  /** Offer/answer once the dialog exists, the session timer, and the queue all offer/answer work runs in. */
  protected readonly negotiation: InDialogNegotiation;
  protected mediaNodeId: string | undefined;
  protected mediaPath: MediaPath | undefined;
  /** The media node holds state for this call (close it at the end). */
  protected mediaTouched = false;
  #remoteNumber: string;
  #remoteName: string | undefined;
  #phase: CallPhase;
  #published: { state: CallState; hold: HoldSide | undefined; mediaPath: MediaPath | undefined } | undefined;
  #everPublished = false;
  #everConfirmed = false;
  readonly #dtmf: DtmfSender;
  /** REFER both ways: ours (transferor) and the peer's (transferee). */
  readonly #transfer: CallTransfer;
  readonly #dialogs: CallDialogs;
  readonly #timers = new Set<TimerHandle>();
  #owner: GatewayInstance | undefined;
  /** Picked up to another of our lines (IncomingCall.pickup): its events are that line's from then on. */
  protected pickedUpTo: { lineId: string; lineNumber: string } | undefined;

  protected constructor(options: SipCallOptions, deps: SipCallDeps, direction: CallDirection, initial: CallPhase) {
    super();
    this.id = options.callId;
    this.direction = direction;
    this.line = options.line;
    this.address = options.address;
    this.contact = options.contact;
    this.mediaNodeId = options.mediaNodeId;
    this.#remoteNumber = partyText(options.remoteNumber);
    this.#remoteName = options.remoteName === undefined ? undefined : partyText(options.remoteName) || undefined;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger.child({ callId: options.callId, lineId: options.line.lineId });
    this.#phase = initial;
    this.startedAt = this.clock.now();
    deps.metrics.callsActive.inc({ direction });
    this.negotiation = new InDialogNegotiation({
      call: this.#negotiatingCall(),
      endpoint: deps.endpoint,
      media: deps.media,
      logger: this.logger,
      sessionExpiresS: deps.settings.sessionExpiresS,
      clock: deps.clock,
      renegotiateSoftphone: deps.renegotiateSoftphone,
    });
    this.#dtmf = new DtmfSender(this.negotiation.call);
    this.#transfer = new CallTransfer(this.negotiation.call, {
      line: this.line, address: this.address, logger: this.logger, deps, negotiation: this.negotiation,
      moveToDialog: (dialog, remoteNumber, mediaPath, timer) => this.#moveToDialog(dialog, remoteNumber, mediaPath, timer),
    });
    this.#dialogs = new CallDialogs({
      callId: this.id, handler: this, endpoint: deps.endpoint, snapshots: deps.snapshots, logger: this.logger,
      negotiation: this.negotiation, transfer: this.#transfer,
      ended: () => this.ended,
      remoteBye: () => this.onRemoteBye(),
      hangup: (cause, sip) => this.hangup(cause, sip),
    });
    deps.snapshots?.attach(this.id, { owner: () => this.#owner, teardown: () => this.teardown() });
  }

  // --- state -----------------------------------------------------------------------------------

  get phase(): CallPhase { return this.#phase; }
  get ended(): boolean { return this.#phase === CallPhase.Ended; }
  get confirmed(): boolean { return this.#phase === CallPhase.Confirmed; }
  /** The dialog the call is in; OutgoingCall forgets an early one by setting undefined. */
  protected get dialog(): Dialog | undefined { return this.#dialogs.current; }
  protected set dialog(dialog: Dialog | undefined) { this.#dialogs.current = dialog; }

  dump(): SipCallDump {
    return {
      callId: this.id,
      lineId: this.pickedUpTo?.lineId ?? this.line.lineId,
      direction: this.direction,
      phase: this.#phase,
      state: this.#published?.state,
      hold: this.negotiation.holdSide,
      mediaNodeId: this.mediaNodeId,
      mediaPath: this.mediaPath,
      dialog: this.dialog?.dump(),
      owner: this.#owner,
    };
  }

  /** The gateway run that placed or accepted the call; its loss ends the call. */
  get owner(): GatewayInstance | undefined {
    return this.#owner;
  }
  own(owner: GatewayInstance): void {
    this.#owner = owner;
    this.deps.snapshots?.changed(this.id);
  }

  /** How a restarted adapter would end the call toward the PBX now (subclasses add CANCEL and 480). */
  teardown(): PbxCallTeardown {
    return dialogTeardown(this.ended ? undefined : this.dialog);
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
  /** Ends the call from our side in any phase with `cause` (its owner is gone): BYE, CANCEL or 480. */
  abstract abandon(cause: CallCause): void;

  /** Our hold (re-INVITE with a sendonly offer) or retrieve (sendrecv). */
  hold(on: boolean): Promise<void> {
    this.#assertConfirmed('hold');
    return this.negotiation.hold(on);
  }

  /** Upgrade to video (re-INVITE adding a video m-line) or downgrade (m=video 0). */
  video(on: boolean): Promise<void> {
    this.#assertConfirmed('change video');
    return this.negotiation.video(on);
  }

  /** DTMF: one INFO (application/dtmf-relay) per digit, in order. */
  sendDigits(digits: string, durationMs: number): Promise<void> {
    this.#assertConfirmed('send digits');
    return this.#dtmf.send(digits, durationMs);
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

  /** Transfer (REFER; attended with `replaces`, RFC 3891); a ringing incoming call is deflected by IncomingCall (302). */
  async redirect(target: string, replaces?: string): Promise<void> {
    this.#assertConfirmed('transfer');
    await this.#transfer.refer(target, replaces);
  }

  /** An INVITE with Replaces naming this call's dialog (attended transfer): the call continues in its dialog. */
  acceptReplacing(request: SipRequest, tx: InviteServerTransaction): void {
    this.#transfer.receiveReplacing(request, tx);
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
    this.#dialogs.receive(request, tx);
  }

  /** An ACK of a 2xx we sent: one that answers our offer goes to the negotiation (IncomingCall adds the INVITE's). */
  handleAck(ack: SipRequest): void {
    this.negotiation.receiveAck(ack);
  }

  handleStrayResponse(response: SipResponse): void {
    this.#dialogs.resendAck(response);
  }

  // --- for the subclasses ----------------------------------------------------------------------

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

  /** See CallDialogs.use. */
  protected useDialog(dialog: Dialog): void {
    this.#dialogs.use(dialog);
  }

  protected addDialogKey(key: string): void {
    this.#dialogs.addKey(key);
  }

  protected eventBase(): CallEventBase {
    const to = this.pickedUpTo;
    return {
      callId: this.id,
      lineId: to?.lineId ?? this.line.lineId,
      lineNumber: to?.lineNumber ?? this.line.number,
      direction: this.direction,
      remoteNumber: this.#remoteNumber,
      ...(this.#remoteName ? { remoteName: this.#remoteName } : {}),
      ...(this.mediaNodeId ? { mediaNodeId: this.mediaNodeId } : {}),
      ...(to ? { pickup: { fromLineId: this.line.lineId, fromLineNumber: this.line.number } } : {}),
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
  protected announceConnected(): void {
    this.#everConfirmed = true;
    this.deps.metrics.callSetupOutcomes.inc({ direction: this.direction, outcome: 'answered' });
    this.deps.metrics.callSetupSeconds.observe({ direction: this.direction }, (this.clock.now() - this.startedAt) / 1000);
    this.publish({ state: 'connected', ...(this.mediaPath ? { mediaPath: this.mediaPath } : {}) });
  }

  /** Publishes connected/held when the hold flags or the media path changed since the last event. */
  protected publishCurrent(): void {
    // Nothing before 'connected' was announced: that event carries the state and path of the moment.
    if (!this.confirmed || !this.#everConfirmed) return;
    const hold = this.negotiation.holdSide;
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
        this.#dialogs.request(bye).catch((err: unknown) => this.logger.info({ err: (err as Error).message }, 'BYE not answered'));
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
    this.negotiation.close();
    this.#transfer.close();
    for (const handle of this.#timers) this.clock.clearTimeout(handle);
    this.#timers.clear();
    this.#dialogs.close();
    if (!this.#everConfirmed) this.deps.metrics.callSetupOutcomes.inc({ direction: this.direction, outcome: cause });
    this.deps.metrics.callsActive.dec({ direction: this.direction });
    if (!this.#everPublished) this.deps.snapshots?.detach(this.id);
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

  /** ACKs the 2xx of our INVITE `invite` in `dialog`, and keeps the ACK to re-send it when that 2xx is retransmitted. */
  protected sendAck(dialog: Dialog, invite: SipRequest): void {
    this.#dialogs.sendAck(dialog, invite);
  }

  // --- internals -------------------------------------------------------------------------------
  /**
   * This call as its negotiation sees it: the state it reads and the few things it may change or
   * trigger (media path, publishing, hanging up, in-dialog requests, ACKs, timers).
   */
  #negotiatingCall(): NegotiatingCall {
    // The getters read the live call (an object literal's own `this` would be the view).
    const call = this;
    return {
      id: this.id,
      ownsCallId: this.direction === 'outbound',
      contact: this.contact,
      get confirmed() {
        return call.confirmed;
      },
      get ended() {
        return call.ended;
      },
      get dialog() {
        return call.dialog;
      },
      mediaNode: () => this.#node(),
      setMediaPath: (path) => {
        this.mediaPath = path;
      },
      publishCurrent: () => this.publishCurrent(),
      hangup: (cause, sip) => this.hangup(cause, sip),
      request: (request) => this.#dialogs.request(request),
      sendAck: (dialog, invite) => this.sendAck(dialog, invite),
      timer: (ms, fn) => this.timer(ms, fn),
    };
  }

  #node(): string {
    if (!this.mediaNodeId) throw new CallStateError(`call has no media node [callId:${this.id}]`);
    return this.mediaNodeId;
  }

  #assertConfirmed(what: string): void {
    if (!this.confirmed || !this.dialog) throw new CallStateError(`cannot ${what} in phase ${this.#phase} [callId:${this.id}]`);
  }

  /** A transfer we followed completed: the old dialog is left (CallTransfer retires it), the call goes on in `dialog`. */
  #moveToDialog(dialog: Dialog, remoteNumber: string, mediaPath: MediaPath, timer: SessionTimerSpec | undefined): void {
    this.#dialogs.moveTo(dialog);
    this.#remoteNumber = partyText(remoteNumber);
    this.#remoteName = undefined;
    this.mediaPath = mediaPath;
    this.negotiation.movedToNewDialog(timer);
    this.publish({ state: 'connected', mediaPath });
  }
}
