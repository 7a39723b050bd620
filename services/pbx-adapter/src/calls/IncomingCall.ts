// An incoming call (an INVITE from the PBX for one of our lines): media placed on the node named by the
// INVITE's media mark (the other leg of a softphone-to-softphone call through the PBX: media/mediaMark.ts),
// else on the node owning the offer's address (Direct Media), else by load; the offer answered by the
// media node while the gateway is asked (side by side: the gateway's offer to the softphone queues behind
// the node's answer on the call), 'offering' published once the node answered; accepted calls ring on
// `alert` (180) and are answered on `answer` (200 with the media's SDP; the ACK makes them connected). An
// INVITE without SDP (late offer, RFC 3261 §13.2.1) gets the media node's offer in the 200 and must carry
// the answer in its ACK. Refusals and drops get the status of their reason, CANCEL gets 487, a 302
// deflects; SIP_INVITE_TIMEOUT_S bounds an unanswered call.
import type { CallCause, MediaPath, PbxCallTeardown } from '@ucserver/shared';
import { targetUri } from '../userAgent/lineAddress.ts';
import { CallStateError, MediaFailedError } from '../errors.ts';
import { connectionAddress, isSdpBody } from '../media/sdp.ts';
import { MEDIA_MARK_HEADER, readMediaMark, type MediaMark } from '../media/mediaMark.ts';
import {
  createResponse,
  Dialog,
  formatUri,
  generateTag,
  reasonPhrase,
  responseDestination,
  type Destination,
  type InviteServerTransaction,
  type SipRequest,
  type SipResponse,
  type TimerHandle,
} from '../sip/mod.ts';
import { DROP_RESPONSE, forwardHops, hangupCause, refusalResponse, statusOfMediaError, type CallDropReason } from './causes.ts';
import { uasSessionTimer, type UasSessionDecision } from './sessionTimers.ts';
import { SipCall } from './SipCall.ts';
import { rejectTeardown } from './teardown.ts';
import type { IncomingCallContext, IncomingCallOptions } from './IncomingCallTypes.ts';
import { CallPhase, type SipCallDeps } from './SipCallTypes.ts';

export class IncomingCall extends SipCall {
  readonly invite: SipRequest;
  readonly #tx: InviteServerTransaction;
  readonly #toTag = generateTag();
  readonly #session: UasSessionDecision;
  /** What our 200 carries: the media node's answer, or for a late offer its offer. */
  #localSdp: string | undefined;
  /** The INVITE had no SDP: our 200 has the offer, and the ACK must have the answer. */
  #lateOffer = false;
  /** Settles once the media node answered the offer (or refused it): an early alert or answer waits for it. */
  #placing: Promise<unknown> | undefined;
  #guard: TimerHandle | undefined;
  /** We dropped the call after our 200 but before its ACK: BYE once the ACK arrives (§15). */
  #byeAfterAck: CallCause | undefined;
  /** Where the INVITE's responses go without its transaction (a recovery's refusal after a crash). */
  readonly #responseDestination: Destination;

  constructor(options: IncomingCallOptions, deps: SipCallDeps) {
    super(options, deps, 'inbound', CallPhase.Offering);
    this.invite = options.invite;
    this.#tx = options.transaction;
    this.#session = uasSessionTimer(options.invite.headers, deps.settings.sessionExpiresS);
    const h = options.invite.headers;
    // A new process has no connection of this one: it connects to the Via's address (§18.2.2).
    const { connectionId: _connection, ...destination } = responseDestination(h.topVia(), options.source);
    this.#responseDestination = destination;
    // Our To tag is fixed now, so in-dialog requests (and the ACK) find us as soon as we answer.
    this.addDialogKey(`${h.callId()}|${this.#toTag}|${h.fromTag() ?? ''}`);
    deps.endpoint.onCancel(this.#tx, () => this.#onCancel());
    this.#tx.on('timeout', () => {
      if (this.phase === CallPhase.Answering) {
        this.logger.warn('no ACK for our 200; hanging up');
        this.hangup('error');
      }
    });
  }

  /** Places the media, answers the offer, publishes 'offering' and asks the gateway. Never throws. */
  async start(context: IncomingCallContext): Promise<void> {
    try {
      await this.#start(context);
    } catch (err) {
      this.logger.error({ err }, 'incoming call setup failed');
      this.#reject(500, 'error');
    }
  }

  async #start(context: IncomingCallContext): Promise<void> {
    if (this.#session.kind === 'reject') {
      this.#reject(this.#session.status, 'error', this.#session.headers);
      return;
    }
    const offer = isSdpBody(this.invite.headers.contentType(), this.invite.body) ? this.invite.body.toString('utf8') : undefined;
    this.#lateOffer = offer === undefined;
    this.#guard = this.timer(this.deps.settings.inviteTimeoutS * 1000, () => {
      this.logger.info('not answered in time');
      this.#reject(480, 'no-answer');
    });
    const mark = this.#mediaMark();
    const address = offer === undefined ? undefined : connectionAddress(offer);
    let nodeId: string;
    try {
      nodeId = await context.pickNode({ ...(address !== undefined ? { preferAddress: address } : {}), ...(mark ? { preferNode: mark.nodeId } : {}) });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'no media node for the incoming call');
      this.#reject(503, 'media-failure');
      return;
    }
    this.mediaNodeId = nodeId;
    this.mediaTouched = true;
    // On the marked node, the new call goes next to the other leg (its worker, and router when they agree).
    const near = mark?.nodeId === nodeId ? mark.callId : undefined;
    if (mark && !near) this.logger.debug({ mark, nodeId }, 'the media mark names a node that cannot take the call: placed without it');
    const placing = offer === undefined ? this.deps.media.pbxLateOffer(nodeId, this.id, near) : this.deps.media.pbxOffer(nodeId, this.id, offer, near);
    this.#placing = placing.catch(() => undefined);
    // The gateway is asked now, not once the node answered (issue 16: one step fewer on the way to the
    // callee): its offer to the softphone queues behind ours on the node's call.
    const from = this.invite.headers.from();
    const verdictOf = context.askGateway({
      callId: this.id,
      lineId: this.line.lineId,
      from: this.eventBase().remoteNumber,
      ...(from.displayName ? { fromName: from.displayName.slice(0, 256) } : {}),
      to: this.line.number,
      mediaNodeId: nodeId,
      forwardHops: forwardHops(this.invite.headers),
    }).then((verdict) => ({ verdict }), (err: unknown) => ({ err }));
    let local: { sdp: string; mediaPath?: MediaPath };
    try {
      local = await placing;
    } catch (err) {
      const status = statusOfMediaError(err instanceof MediaFailedError ? err.remoteCode : undefined);
      this.logger.warn({ err: (err as Error).message, status }, 'the media node refused the offer');
      this.#reject(status, 'media-failure');
      return;
    }
    if (this.ended) {
      // Ended (CANCEL) while the node built the leg: the close sent at the end may have overtaken it.
      void this.deps.media.close(nodeId, this.id, 'cancelled');
      return;
    }
    this.#localSdp = local.sdp;
    // A late offer's path is known once the ACK's answer is applied.
    this.mediaPath = local.mediaPath;
    this.publish({ state: 'offering', ...(local.mediaPath ? { mediaPath: local.mediaPath } : {}) });
    const asked = await verdictOf;
    let verdict: Awaited<ReturnType<IncomingCallContext['askGateway']>>;
    if ('verdict' in asked) {
      verdict = asked.verdict;
    } else {
      // The gateway is not there (or failed): nobody can take the call.
      this.logger.warn({ err: (asked.err as Error).message }, 'the gateway did not answer the incoming call');
      verdict = { accept: false, reason: 'no-client' };
    }
    if (this.ended) return;
    if (!verdict.accept) {
      if (this.phase === CallPhase.Answering) {
        // The gateway answered before it refused (two clients?): its answer stands.
        this.logger.warn({ reason: verdict.reason }, 'refusal after the answer ignored');
        return;
      }
      if (verdict.reason === 'redirect') {
        // The line is forwarded (unconditionally, or on busy/DND): 302 with the target in the Contact.
        this.logger.info({ target: verdict.target, mode: verdict.mode }, 'forwarded by the line');
        await this.redirect(verdict.target);
        return;
      }
      const { status, cause } = refusalResponse(verdict.reason, this.deps.settings.noClientStatus);
      this.#reject(status, cause);
      return;
    }
    this.own(verdict.gateway);
    // An alert or answer may have come before the reply (the client was quick): accepted already.
    if (this.phase === CallPhase.Offering) this.transition(CallPhase.Accepted);
  }

  /** The INVITE's media mark (the other leg's node and call), if it has a valid one; anything else is ignored. */
  #mediaMark(): MediaMark | undefined {
    const reading = readMediaMark(this.invite.headers);
    if (reading.kind === 'invalid') this.logger.debug({ reason: reading.reason }, `${MEDIA_MARK_HEADER} ignored`);
    return reading.kind === 'mark' ? reading.mark : undefined;
  }

  /**
   * An alert/answer while the gateway's verdict is still on its way means the gateway accepted. The
   * gateway asks the node for its softphone offer after our offer (the node queues it behind), so the
   * node's answer is here or on its way: it is waited for.
   */
  async #acceptImplicitly(): Promise<void> {
    await this.#placed();
    if (this.phase === CallPhase.Offering && this.#localSdp !== undefined) this.transition(CallPhase.Accepted);
  }

  /**
   * A command of the gateway's may come while the node still builds the leg (the gateway is asked side by
   * side): it waits until the node answered, so 'offering' is published before what the command ends in.
   */
  async #placed(): Promise<void> {
    if (this.phase === CallPhase.Offering && this.#localSdp === undefined) await this.#placing;
  }

  /** Rings already, or is answered (an alert is done). */
  #alerted(): boolean {
    return this.phase === CallPhase.Ringing || this.#answered();
  }

  /** Is answered (by our 200), or connected. */
  #answered(): boolean {
    return this.phase === CallPhase.Answering || this.phase === CallPhase.Confirmed;
  }

  /** The client rings: 180 Ringing (creates the early dialog). */
  async alert(): Promise<void> {
    if (this.#alerted()) return;
    await this.#acceptImplicitly();
    if (this.#alerted()) return;
    if (this.phase !== CallPhase.Accepted) throw new CallStateError(`cannot alert in phase ${this.phase} [callId:${this.id}]`);
    const ringing = this.#response(180);
    if (!this.deps.endpoint.respond(this.#tx, ringing)) throw new CallStateError(`the INVITE is gone [callId:${this.id}]`);
    this.useDialog(Dialog.createUas(this.invite, ringing));
    this.transition(CallPhase.Ringing);
  }

  /** The client answered: 200 OK with the media node's SDP answer; 'connected' follows with the ACK. */
  async answer(): Promise<void> {
    if (this.#answered()) return;
    await this.#acceptImplicitly();
    if (this.#answered()) return;
    if (this.phase !== CallPhase.Accepted && this.phase !== CallPhase.Ringing) {
      throw new CallStateError(`cannot answer in phase ${this.phase} [callId:${this.id}]`);
    }
    const headers = this.#session.kind === 'accept' ? this.#session.headers : [];
    const ok = this.#response(200, headers, this.#localSdp);
    if (!this.deps.endpoint.respond(this.#tx, ok)) throw new CallStateError(`the INVITE is gone [callId:${this.id}]`);
    if (this.dialog) this.dialog.confirm();
    else this.useDialog(Dialog.createUas(this.invite, ok));
    this.clearTimer(this.#guard);
    this.negotiation.notePeerAllow(this.invite);
    this.transition(CallPhase.Answering);
    // A late offer: our 200 carries the offer, and the call connects once the ACK's answer is applied.
    if (this.#lateOffer) this.negotiation.expectAckAnswer(this.invite.headers.cseq().seq, () => this.announceConnected());
  }

  async drop(reason: CallDropReason = 'normal'): Promise<void> {
    await this.#placed();
    switch (this.phase) {
      case CallPhase.Offering:
      case CallPhase.Accepted:
      case CallPhase.Ringing: {
        const { status, cause } = DROP_RESPONSE[reason];
        this.#reject(status, cause);
        return;
      }
      case CallPhase.Answering:
        this.#byeAfterAck = hangupCause(reason);
        return;
      case CallPhase.Confirmed:
        this.hangup(hangupCause(reason));
        return;
      default:
        return;
    }
  }

  /** Deflects a ringing call with 302 to `target`; a connected one is transferred (REFER). */
  override async redirect(target: string): Promise<void> {
    await this.#placed();
    if (this.phase === CallPhase.Offering || this.phase === CallPhase.Accepted || this.phase === CallPhase.Ringing) {
      const contact = `<${formatUri(targetUri(target, this.address))}>`;
      this.#reject(302, 'redirected', [['Contact', contact]]);
      return;
    }
    return super.redirect(target);
  }

  /**
   * Pickup (asnCtiPickupCall, authorised by the gateway): the ringing call moves to the picker's line
   * `lineId`; 'offering' is published on that line (the gateway ends it for the ringing line's clients
   * and offers it to the picker's softphone, whose answer is call.answer as usual). Only while it rings,
   * and once.
   */
  pickup(lineId: string, lineNumber: string): void {
    const ringing = this.phase === CallPhase.Accepted || this.phase === CallPhase.Ringing;
    if (!ringing || this.pickedUpTo) {
      const what = this.pickedUpTo ? `picked up by ${this.pickedUpTo.lineNumber} already` : `in phase ${this.phase}`;
      throw new CallStateError(`only a ringing call can be picked up; this one is ${what} [callId:${this.id}]`);
    }
    if (lineId === this.line.lineId) throw new CallStateError(`the call rings on line ${this.line.number} already [callId:${this.id}]`);
    this.logger.info({ to: lineNumber }, 'picked up');
    this.pickedUpTo = { lineId, lineNumber };
    this.publish({ state: 'offering', ...(this.mediaPath ? { mediaPath: this.mediaPath } : {}) });
  }

  mediaFailed(cause: string): void {
    this.logger.warn({ cause }, 'media failed');
    if (this.confirmed) this.hangup('media-failure');
    else if (this.phase === CallPhase.Answering) this.#byeAfterAck = 'media-failure';
    else this.#reject(503, 'media-failure');
  }

  abandon(cause: CallCause): void {
    if (this.confirmed) this.hangup(cause);
    else if (this.phase === CallPhase.Answering) this.#byeAfterAck = cause;
    else this.#reject(480, cause);
  }

  /** While the INVITE is pending a recovery refuses it (480); once answered it BYEs the dialog. */
  override teardown(): PbxCallTeardown {
    if (this.phase === CallPhase.Offering || this.phase === CallPhase.Accepted || this.phase === CallPhase.Ringing) {
      return rejectTeardown(this.invite, this.#toTag, this.#responseDestination);
    }
    return super.teardown();
  }

  /** The ACK of our 200 confirms the call; a late offer's ACK also carries the answer (the negotiation applies it). */
  override handleAck(ack: SipRequest): void {
    if (this.phase === CallPhase.Answering && ack.headers.cseq().seq === this.invite.headers.cseq().seq) {
      this.confirm();
      this.negotiation.armSessionTimer(this.#session.kind === 'accept' ? this.#session.spec : undefined);
      if (this.#byeAfterAck) {
        this.hangup(this.#byeAfterAck);
        return;
      }
      if (!this.#lateOffer) this.announceConnected();
    }
    super.handleAck(ack);
  }

  protected override onRemoteBye(): void {
    if (this.phase === CallPhase.Offering || this.phase === CallPhase.Accepted || this.phase === CallPhase.Ringing) {
      // A BYE in the early dialog ends the INVITE too.
      this.deps.endpoint.respond(this.#tx, this.#response(487));
      this.end('cancelled');
      return;
    }
    this.end('normal');
  }

  #onCancel(): void {
    if (this.phase !== CallPhase.Offering && this.phase !== CallPhase.Accepted && this.phase !== CallPhase.Ringing) return;
    this.deps.endpoint.respond(this.#tx, this.#response(487));
    this.end('cancelled', { status: 487, reason: 'Request Terminated' });
  }

  /** Answers the INVITE with a final error status and ends the call with `cause`. */
  #reject(status: number, cause: CallCause, headers: Array<[string, string]> = []): void {
    if (this.ended) return;
    if (this.#tx.finalResponseSent === undefined && !this.#tx.terminated) this.deps.endpoint.respond(this.#tx, this.#response(status, headers));
    this.end(cause, { status, reason: reasonPhrase(status) });
  }

  #response(status: number, headers: Array<[string, string]> = [], sdp?: string): SipResponse {
    const all: Array<[string, string]> = [...headers];
    if (status > 100 && status < 300) {
      all.push(['Contact', `<${formatUri(this.contact)}>`], ...this.deps.endpoint.capabilityHeaders());
    }
    return createResponse(this.invite, status, {
      toTag: this.#toTag,
      headers: all,
      ...(sdp !== undefined ? { body: sdp, contentType: 'application/sdp' } : {}),
    });
  }
}

