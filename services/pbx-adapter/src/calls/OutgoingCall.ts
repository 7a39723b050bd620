// An outgoing call (PbxCommands.makeCall): the media node's offer in an INVITE to the line's registrar,
// digest answers to 401/407, 180/183 → ringback (183 SDP applied as early media), 2xx → ACK, answer
// applied, connected. Failures map to causes; 3xx is followed once; a drop before the
// answer CANCELs (a 2xx racing the CANCEL is ACKed and BYEd); SIP_INVITE_TIMEOUT_S bounds the wait.
// The INVITE carries the media mark (media/mediaMark.ts): if it comes back to us as a call for one of
// our lines, that leg is placed on this leg's media node.
import {
  createCancel,
  createRequest,
  Dialog,
  DigestClient,
  DigestError,
  formatNameAddr,
  formatUri,
  generateCallId,
  generateTag,
  isSipUri,
  nextHop,
  type ClientTransaction,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type TimerHandle,
} from '../sip/mod.ts';
import type { CallCause, PbxCallTeardown } from '@ucserver/shared';
import { targetUri } from '../userAgent/lineAddress.ts';
import { CallStateError } from '../errors.ts';
import { isSdpBody } from '../media/sdp.ts';
import { mediaMarkHeaders } from '../media/mediaMark.ts';
import { causeOfStatus, hangupCause, type CallDropReason } from './causes.ts';
import { requestSessionHeaders, uacSessionTimer } from './sessionTimers.ts';
import { SipCall } from './SipCall.ts';
import { cancelTeardown } from './teardown.ts';
import type { OutgoingCallOptions } from './OutgoingCallTypes.ts';
import { CallPhase, type SipCallDeps } from './SipCallTypes.ts';


export class OutgoingCall extends SipCall {
  readonly #to: string;
  readonly #digest: DigestClient;
  #invite: SipRequest | undefined;
  #tx: ClientTransaction | undefined;
  #early: Dialog | undefined;
  #answerApplied = false;
  #ringbackPublished = false;
  #redirected = false;
  /** A drop arrived before any provisional: CANCEL as soon as one arrives (RFC 3261 §9.1). */
  #cancelWanted = false;
  /** The cause to report once the INVITE transaction ends after our CANCEL. */
  #cancelCause: CallCause = 'cancelled';
  #guard: TimerHandle | undefined;
  #cancelGuard: TimerHandle | undefined;

  constructor(options: OutgoingCallOptions, deps: SipCallDeps) {
    super(options, deps, 'outbound', CallPhase.Calling);
    this.#to = options.to;
    this.#digest = new DigestClient({ credentials: { username: options.line.authUser || options.line.number, password: options.line.authPassword } });
  }

  /**
   * Gets the media node's offer and sends the INVITE; resolves once it is sent (then 'dialing' is
   * published). A media failure rejects (the call ends without events: makeCall fails).
   */
  async start(): Promise<void> {
    this.mediaTouched = true;
    const target = targetUri(this.#to, this.address);
    let offer: { sdp: string };
    try {
      offer = await this.deps.media.pbxCreateOffer(this.mediaNodeId as string, this.id);
    } catch (err) {
      this.end('media-failure');
      throw err;
    }
    if (this.ended) throw new CallStateError(`call dropped before its INVITE was sent [callId:${this.id}]`);
    const sentBy = this.deps.endpoint.sentBy(this.address.transport);
    const from = formatNameAddr({ displayName: this.line.displayName || undefined, uri: this.address.aor, params: new Map([['tag', generateTag()]]) });
    const invite = createRequest({
      method: 'INVITE',
      uri: target,
      body: offer.sdp,
      contentType: 'application/sdp',
      headers: [
        ['From', from],
        ['To', `<${formatUri(target)}>`],
        ['Call-ID', generateCallId(sentBy.host.replace(/[[\]]/g, ''))],
        ['CSeq', '1 INVITE'],
        ['Contact', `<${formatUri(this.contact)}>`],
        ...mediaMarkHeaders({ nodeId: this.mediaNodeId as string, callId: this.id }, this.deps.settings.mediaMark !== false),
        ...this.deps.endpoint.capabilityHeaders().filter(([n]) => n !== 'Accept'),
        ...requestSessionHeaders(this.deps.settings.sessionExpiresS, false),
      ],
    });
    // The line's last challenge answered at once: no 407 round trip through the PBX (InviteCredentials).
    for (const f of this.deps.inviteCredentials?.preempt(this.line, invite) ?? []) invite.headers.append(f.name, f.value);
    this.#send(invite);
    this.publish({ state: 'dialing' });
    this.#guard = this.timer(this.deps.settings.inviteTimeoutS * 1000, () => this.#onGuard());
  }

  alert(): Promise<void> {
    return Promise.reject(new CallStateError(`alert is for incoming calls [callId:${this.id}]`));
  }

  answer(): Promise<void> {
    return Promise.reject(new CallStateError(`answer is for incoming calls [callId:${this.id}]`));
  }

  async drop(reason: CallDropReason = 'normal'): Promise<void> {
    const cause = hangupCause(reason);
    if (cause !== 'normal') {
      this.abandon(cause);
      return;
    }
    switch (this.phase) {
      case CallPhase.Calling:
        // No provisional yet: a CANCEL now could overtake the INVITE; send it with the first 1xx.
        this.#cancelWanted = true;
        this.#cancelGuard ??= this.timer(this.deps.settings.cancelTimeoutMs, () => this.end(this.#cancelCause));
        return;
      case CallPhase.Proceeding:
        this.#cancel();
        return;
      case CallPhase.Confirmed:
        this.hangup('normal');
        return;
      default:
        return; // cancelling or ended: nothing more to do
    }
  }

  mediaFailed(cause: string): void {
    this.logger.warn({ cause }, 'media failed');
    this.abandon('media-failure');
  }

  abandon(cause: CallCause): void {
    if (this.confirmed) this.hangup(cause);
    else if (!this.ended) {
      this.#cancelCause = cause;
      void this.drop();
    }
  }

  /** Before the answer, a recovery CANCELs our INVITE; afterwards it BYEs the dialog. */
  override teardown(): PbxCallTeardown {
    const invite = this.#invite;
    const pending = this.phase === CallPhase.Calling || this.phase === CallPhase.Proceeding || this.phase === CallPhase.Cancelling;
    if (pending && invite && invite.headers.has('Via')) return cancelTeardown(invite, this.address.destination);
    return super.teardown();
  }

  override handleStrayResponse(response: SipResponse): void {
    const invite = this.#invite;
    if (invite && response.status < 300 && response.headers.cseq().seq === invite.headers.cseq().seq && (this.ended || this.phase === CallPhase.Cancelling)) {
      this.#ackAndBye(response);
      return;
    }
    super.handleStrayResponse(response);
  }

  #send(invite: SipRequest): void {
    this.#invite = invite;
    const tx = this.deps.endpoint.send(invite, this.address.destination);
    this.#tx = tx;
    this.deps.snapshots?.changed(this.id);
    tx.on('response', (response) => {
      try {
        this.#onResponse(response, invite);
      } catch (err) {
        this.logger.error({ err, status: response.status }, 'handling the INVITE response failed');
        this.hangup('error');
      }
    });
    tx.once('timeout', () => {
      if (this.#invite !== invite || this.ended) return;
      const dropped = this.phase === CallPhase.Cancelling || this.#cancelWanted;
      this.end(dropped ? this.#cancelCause : 'timeout', { status: 408, reason: 'Request Timeout' });
    });
    tx.once('transporterror', (err) => {
      if (this.#invite !== invite || this.ended) return;
      this.logger.warn({ err: err.message }, 'INVITE could not be sent');
      this.end('error', { status: 503, reason: 'Service Unavailable' });
    });
  }

  #onResponse(response: SipResponse, invite: SipRequest): void {
    if (invite !== this.#invite) {
      // A late answer to an INVITE we replaced (auth, redirect): only a 2xx needs action.
      if (response.status >= 200 && response.status < 300) this.#ackAndBye(response, invite);
      return;
    }
    const status = response.status;
    if (this.ended) {
      if (status >= 200 && status < 300) this.#ackAndBye(response, invite);
      return;
    }
    if (status < 200) this.#onProvisional(response, invite);
    else if (status < 300) this.#onSuccess(response, invite);
    else this.#onFailure(response, invite);
  }

  #onProvisional(response: SipResponse, invite: SipRequest): void {
    if (this.phase === CallPhase.Calling) this.transition(CallPhase.Proceeding);
    if (this.#cancelWanted) {
      this.#cancel();
      return;
    }
    if (this.phase !== CallPhase.Proceeding) return;
    if (response.status > 100 && response.headers.toTag() !== undefined && !this.#early) {
      this.#early = Dialog.createUac(invite, response);
      this.useDialog(this.#early);
    }
    this.negotiation.notePeerAllow(response);
    if (response.status === 100) return;
    const sdp = isSdpBody(response.headers.contentType(), response.body) ? response.body.toString('utf8') : undefined;
    if (sdp !== undefined && !this.#answerApplied) {
      // Early media (183 with SDP): the PBX's answer to our offer; later SDP in this dialog is the same.
      this.#answerApplied = true;
      void this.negotiation.serial(async () => {
        const applied = await this.deps.media.pbxApplyAnswer(this.mediaNodeId as string, this.id, sdp);
        this.mediaPath = applied.mediaPath;
        if (this.phase === CallPhase.Proceeding) {
          this.#ringbackPublished = true;
          this.publish({ state: 'ringback', mediaPath: applied.mediaPath, sipStatus: response.status });
        }
      }).catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message }, 'early media answer refused');
        this.#cancelCause = 'media-failure';
        void this.drop();
      });
      return;
    }
    if (!this.#ringbackPublished) {
      this.#ringbackPublished = true;
      this.publish({ state: 'ringback', sipStatus: response.status });
    }
  }

  #onSuccess(response: SipResponse, invite: SipRequest): void {
    if (this.phase === CallPhase.Cancelling) {
      // The 2xx crossed our CANCEL: the call was established after all; ACK it and hang up (§9.1).
      this.#ackAndBye(response, invite);
      this.end(this.#cancelCause, { status: response.status, reason: response.reason });
      return;
    }
    const remoteTag = response.headers.toTag();
    let dialog: Dialog;
    if (this.#early && this.#early.id.remoteTag === remoteTag) {
      dialog = this.#early;
      dialog.receiveResponse(response, invite);
    } else if (this.dialog && this.dialog.state === 'confirmed') {
      // A second 2xx from another fork: we keep the first dialog; this one is ACKed and ended.
      this.#ackAndBye(response, invite);
      return;
    } else {
      dialog = Dialog.createUac(invite, response);
    }
    this.useDialog(dialog);
    this.sendAck(dialog, invite);
    this.clearTimer(this.#guard);
    this.clearTimer(this.#cancelGuard);
    this.negotiation.notePeerAllow(response);
    this.negotiation.armSessionTimer(this.deps.settings.sessionExpiresS > 0 ? uacSessionTimer(response.headers) : undefined);
    const sdp = isSdpBody(response.headers.contentType(), response.body) ? response.body.toString('utf8') : undefined;
    this.confirm();
    if (this.#answerApplied) {
      // The early-media answer is in place already; wait for it in case it is still being applied.
      void this.negotiation.serial(async () => {
        if (!this.ended) this.announceConnected();
      });
      return;
    }
    if (sdp === undefined) {
      this.logger.warn('2xx without an SDP answer to our offer; hanging up');
      this.hangup('error', { status: response.status, reason: 'no SDP answer' });
      return;
    }
    this.#answerApplied = true;
    void this.negotiation.serial(async () => {
      // answered: the node tells the caller's gateway at once, beside our `connected` (issue 16)
      const applied = await this.deps.media.pbxApplyAnswer(this.mediaNodeId as string, this.id, sdp, true);
      if (this.ended) return;
      this.mediaPath = applied.mediaPath;
      this.announceConnected();
    }).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'the PBX answer was refused by the media node');
      this.hangup('media-failure');
    });
  }

  #onFailure(response: SipResponse, invite: SipRequest): void {
    const status = response.status;
    const sip = { status, reason: response.reason };
    if (this.phase === CallPhase.Cancelling) {
      this.end(status === 487 ? this.#cancelCause : causeOfStatus(status), sip);
      return;
    }
    if (status === 401 || status === 407) {
      this.deps.inviteCredentials?.challenged(this.line, invite, response);
      let next: SipRequest;
      try {
        next = this.#digest.retry(invite, response);
      } catch (err) {
        if (!(err instanceof DigestError)) throw err;
        this.logger.warn({ err: err.message, status }, 'INVITE authentication failed');
        this.end('error', sip);
        return;
      }
      this.#restart(next);
      return;
    }
    if (status >= 300 && status < 400) {
      const contact = response.headers.contacts()[0]?.uri;
      if (!this.#redirected && contact && isSipUri(contact)) {
        this.#redirected = true;
        const next = this.#redirect(invite, contact);
        this.#restart(next);
        return;
      }
      this.end('redirected', sip);
      return;
    }
    this.end(causeOfStatus(status), sip);
  }

  /** Sends a new INVITE of the same call (after a challenge or a redirect). */
  #restart(next: SipRequest): void {
    if (this.phase === CallPhase.Proceeding) this.transition(CallPhase.Calling);
    if (this.#early) {
      this.#early = undefined;
      this.dialog = undefined;
    }
    this.#send(next);
  }

  /** The INVITE re-targeted to a 3xx Contact (RFC 3261 §8.1.3.4): same Call-ID and tags, CSeq + 1. */
  #redirect(invite: SipRequest, contact: SipUri): SipRequest {
    const uri: SipUri = { ...contact, params: new Map([...contact.params].filter(([k]) => k !== 'transport' || this.address.transport !== 'udp')), headers: [] };
    const next = createRequest({ method: 'INVITE', uri, body: invite.body, contentType: 'application/sdp', headers: [] });
    for (const f of invite.headers) {
      if (['Via', 'Content-Length', 'Content-Type', 'Authorization', 'Proxy-Authorization'].includes(f.name)) continue;
      if (f.name === 'CSeq') next.headers.append('CSeq', `${invite.headers.cseq().seq + 1} INVITE`);
      else next.headers.append(f.name, f.value);
    }
    this.logger.info({ target: formatUri(uri) }, 'following the redirect');
    return next;
  }

  #cancel(): void {
    const invite = this.#invite;
    if (!invite || this.ended || this.phase === CallPhase.Cancelling) return;
    this.transition(CallPhase.Cancelling);
    this.#cancelWanted = false;
    this.clearTimer(this.#guard);
    const cancel = createCancel(invite);
    this.deps.endpoint
      .request(cancel, this.address.destination)
      .then((r) => {
        if (r.status >= 300) this.logger.info({ status: r.status }, 'CANCEL refused');
      })
      .catch((err: unknown) => this.logger.info({ err: (err as Error).message }, 'CANCEL not answered'));
    // RFC 3261 §9.1: if no final response arrives within 64·T1 the INVITE transaction is given up.
    this.#cancelGuard ??= this.timer(this.deps.settings.cancelTimeoutMs, () => {
      this.#tx?.terminate();
      this.end(this.#cancelCause);
    });
  }

  #onGuard(): void {
    this.logger.info({ inviteTimeoutS: this.deps.settings.inviteTimeoutS }, 'no answer in time; giving up');
    if (this.phase === CallPhase.Proceeding) {
      this.#cancelCause = 'no-answer';
      this.#cancel();
    } else if (this.phase === CallPhase.Calling) {
      this.#tx?.terminate();
      this.end('timeout');
    }
  }

  /** ACK and BYE a 2xx we do not want (after CANCEL, a replaced INVITE, another fork). */
  #ackAndBye(response: SipResponse, invite: SipRequest | undefined = this.#invite): void {
    if (!invite) return;
    try {
      const dialog = Dialog.createUac(invite, response);
      const ack = dialog.createAck(invite);
      this.deps.endpoint.sendAck(ack, nextHop(ack));
      const bye = dialog.createRequest('BYE');
      this.deps.endpoint.request(bye, nextHop(bye)).catch((err: unknown) => this.logger.info({ err: (err as Error).message }, 'BYE of an unwanted 2xx not answered'));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'cannot end an unwanted 2xx');
    }
  }
}
