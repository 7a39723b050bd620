// Transfer of a connected call, both roles (RFC 3515, RFC 5589 §6).
// Transferor: our REFER with Refer-To and Referred-By; the NOTIFYs' message/sipfrag tell the outcome, a
// 2xx ends our leg (BYE, cause 'redirected'), anything else leaves the call as it was.
// Transferee: the peer's REFER is accepted (202) and NOTIFY 100 sent; our new INVITE goes to the Refer-To
// target (with Referred-By) carrying a new offer of the call's own PBX leg, so the softphone keeps its
// media session and only the far end of the PBX leg changes. The target's 2xx is ACKed and applied on
// the media node, NOTIFY 200 goes to the transferor, and the call moves to the new dialog (new remote
// number, 'connected' published again); the old dialog waits for the transferor's BYE (or sends its own).
// A failure NOTIFYs the target's status, and our offer is re-sent in the old dialog so the call goes on.
import {
  createCancel,
  createRequest,
  createResponse,
  Dialog,
  DigestClient,
  DigestError,
  formatNameAddr,
  formatUri,
  generateCallId,
  generateTag,
  isSipUri,
  nextHop,
  parseNameAddr,
  unescapeUriComponent,
  type ClientTransaction,
  type InviteServerTransaction,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../sip/mod.ts';
import { SipRequestFailedError } from '../errors.ts';
import { isSdpBody } from '../media/sdp.ts';
import { mediaMarkHeaders } from '../media/mediaMark.ts';
import { targetUri } from '../userAgent/lineAddress.ts';
import { REFER_OUTCOME_WAIT_MS } from '@ucserver/shared';
import { requestSessionHeaders, uacSessionTimer } from './sessionTimers.ts';
import { sipfragStatus, transferOutcome, type TransferOutcome } from './transfer.ts';
import { RetiredDialog } from './RetiredDialog.ts';
import type { TransferExtras } from './CallTransferTypes.ts';
import type { NegotiatingCall } from './InDialogNegotiationTypes.ts';

const SIPFRAG = 'message/sipfrag;version=2.0';
/** How long the old dialog waits for the transferor's BYE after NOTIFY 200 before it sends its own. */
const TRANSFEROR_BYE_WAIT_MS = 4000;
/**
 * How long the next request of ours in the old dialog (the next refer NOTIFY, the re-offer after a failed
 * transfer) waits for the answer to a refer NOTIFY. Waiting keeps them in order: over UDP through a proxy
 * with several workers a later request can overtake an earlier one, and the transferor then refuses the
 * earlier one with 500 for its lower CSeq (RFC 3261 §12.2.2) — a lost final NOTIFY is a failed transfer
 * its user is never told of. Bounded, so a transferor that never answers holds nothing for long.
 */
const NOTIFY_ORDER_WAIT_MS = 2000;

export class CallTransfer {
  readonly #call: NegotiatingCall;
  readonly #x: TransferExtras;
  /**
   * Our REFER waits for its final NOTIFY (`settle`); `underWay` answers the command early once the target
   * alerts (a 180/183 sipfrag), the final outcome still ends our call on success.
   */
  #referPending: { settle: (outcome: TransferOutcome) => void; underWay: () => void } | undefined;
  /** The transferor hung up (BYE) while we were following its REFER: the call waits for the target. */
  #transferorLeft = false;
  /** A REFER we accepted is being followed (from 202 until the call moved or the target failed). */
  #following = false;
  /** The INVITE to the Refer-To target of a REFER we accepted, until it settles. */
  #outgoing: { invite: SipRequest; tx: ClientTransaction; provisional: boolean } | undefined;
  /** The refer NOTIFYs sent so far, settled once the last one is answered (or NOTIFY_ORDER_WAIT_MS passed). */
  #notified: Promise<void> = Promise.resolve();

  constructor(call: NegotiatingCall, extras: TransferExtras) {
    this.#call = call;
    this.#x = extras;
  }

  /**
   * Transferor: REFER to `target` in the call's dialog. Resolves once the transfer is under way (the
   * target alerts, or REFER_OUTCOME_WAIT_MS pass without news from a transferee that reports no
   * provisional); rejects when the peer refuses the REFER or the target refuses the call.
   */
  async refer(target: string, replaces?: string): Promise<void> {
    const call = this.#call;
    const dialog = call.dialog as Dialog;
    const referTo: SipUri = { ...targetUri(target, this.#x.address), headers: replaces ? [['Replaces', encodeURIComponent(replaces)]] : [] };
    const refer = dialog.createRequest('REFER', {
      headers: [
        ['Refer-To', `<${formatUri(referTo)}>`],
        ['Referred-By', `<${formatUri(this.#x.address.aor)}>`],
      ],
    });
    // Listening before the REFER goes out: a quick refusal's NOTIFY may overtake the 202 (RFC 3515 §2.4.4).
    const fate = new Promise<TransferOutcome | undefined>((resolve) => {
      this.#referPending = { settle: resolve, underWay: () => resolve(undefined) };
    });
    let response: SipResponse;
    try {
      response = await call.request(refer);
    } catch (err) {
      this.#referPending = undefined;
      throw err;
    }
    if (response.status >= 300) {
      this.#referPending = undefined;
      throw new SipRequestFailedError('REFER', response.status, response.reason, `callId:${call.id}`);
    }
    let wait: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([fate, new Promise<undefined>((resolve) => {
      wait = setTimeout(resolve, REFER_OUTCOME_WAIT_MS, undefined);
    })]);
    clearTimeout(wait);
    // Said at info: a transfer answered "under way" for lack of news is what a user later calls a silent failure.
    if (!outcome) this.#x.logger.info({ target, waitMs: REFER_OUTCOME_WAIT_MS, pending: this.#referPending !== undefined }, 'REFER accepted; no final NOTIFY yet: answered as under way');
    if (outcome && !outcome.succeeded) throw new SipRequestFailedError('REFER', Number(outcome.status), `(transfer target) ${outcome.reason}`.trim(), `callId:${call.id}`);
  }

  /** Transferor: a NOTIFY in the call's dialog; a final sipfrag settles our REFER, an alerting one answers its command. */
  onNotify(request: SipRequest): void {
    const pending = this.#referPending;
    const body = request.body.toString('utf8');
    const status = sipfragStatus(body);
    this.#x.logger.info({ status, waiting: pending !== undefined }, 'refer NOTIFY received');
    if (!pending) return;
    const outcome = transferOutcome(body);
    if (outcome === undefined) {
      if ((status ?? 0) >= 180) pending.underWay();
      return;
    }
    this.#referPending = undefined;
    pending.settle(outcome);
    if (outcome.succeeded) this.#call.hangup('redirected');
    else this.#x.logger.info({ status: outcome.status }, 'transfer failed; the call continues');
  }

  /** Transferee: the peer's REFER (already received by the dialog). */
  receiveRefer(request: SipRequest, tx: ServerTransaction): void {
    const call = this.#call;
    const endpoint = this.#x.deps.endpoint;
    if (this.#following || !call.confirmed || !call.dialog) {
      endpoint.reply(tx, 491);
      return;
    }
    let target: SipUri;
    try {
      const uri = parseNameAddr(request.headers.get('Refer-To') ?? '', 'Refer-To').uri;
      if (!isSipUri(uri)) throw new TypeError('not a SIP URI');
      target = uri;
    } catch (err) {
      this.#x.logger.info({ err: (err as Error).message }, 'REFER without a usable Refer-To');
      endpoint.reply(tx, 400, [], 'Bad Refer-To');
      return;
    }
    endpoint.reply(tx, 202);
    this.#x.logger.info({ target: formatUri(target) }, 'REFER accepted (as transferee): calling the target');
    const old = call.dialog;
    void this.#notify(old, '100 Trying', false);
    this.#following = true;
    this.#transferorLeft = false;
    void this.#follow(old, target, request.headers.get('Referred-By')).finally(() => {
      this.#following = false;
    }).catch((err: unknown) => {
      if (this.#transferorLeft) call.hangup('error');
      this.#x.logger.warn({ err: (err as Error).message }, 'transfer as transferee failed');
    });
  }

  /**
   * Attended transfer, the replaced side (RFC 3891 §3): an INVITE with Replaces naming our confirmed
   * dialog. Its offer is answered by the call's own PBX leg (the softphone keeps its session), the call
   * moves to the new dialog, and the replaced dialog is ended with BYE.
   */
  receiveReplacing(request: SipRequest, tx: InviteServerTransaction): void {
    const call = this.#call;
    const { endpoint, media } = this.#x.deps;
    const old = call.dialog;
    if (!old || !call.confirmed || !isSdpBody(request.headers.contentType(), request.body)) {
      endpoint.reply(tx, old ? 488 : 481);
      return;
    }
    const offer = request.body.toString('utf8');
    void this.#x.negotiation.serial(() => media.pbxOffer(call.mediaNode(), call.id, offer)).then((answer) => {
      if (call.ended) {
        endpoint.reply(tx, 481);
        return;
      }
      const ok = createResponse(request, 200, {
        toTag: generateTag(),
        headers: [['Contact', `<${formatUri(call.contact)}>`], ...endpoint.capabilityHeaders()],
        body: answer.sdp,
        contentType: 'application/sdp',
      });
      endpoint.respond(tx, ok);
      const from = request.headers.from().uri;
      const number = isSipUri(from) && from.user ? unescapeUriComponent(from.user) : formatUri(from);
      this.#x.moveToDialog(Dialog.createUas(request, ok), number, answer.mediaPath, undefined);
      this.#x.logger.info({ replacedBy: number }, 'dialog replaced (attended transfer): the call continues with the transferee');
      new RetiredDialog(old, endpoint, this.#x.logger).retire(0);
    }, (err: unknown) => {
      this.#x.logger.warn({ err: (err as Error).message }, 'replacing INVITE refused by the media node');
      endpoint.reply(tx, 488);
    });
  }

  /**
   * The peer's BYE in the call's dialog `dialog`: while we follow its REFER (a transferor that hangs up
   * right after 202, as many do) the call stays up for the target, so true; else false (the call ends).
   */
  absorbBye(dialog: Dialog): boolean {
    if (!this.#following) return false;
    this.#transferorLeft = true;
    dialog.terminate();
    this.#x.logger.info('the transferor hung up; the call waits for the transfer target');
    return true;
  }

  /** The call ended: a transfer command still waiting answers, an INVITE to a target still ringing is cancelled. */
  close(): void {
    const refer = this.#referPending;
    this.#referPending = undefined;
    refer?.underWay();
    const pending = this.#outgoing;
    if (!pending?.provisional) return;
    this.#x.deps.endpoint.request(createCancel(pending.invite), this.#x.address.destination).catch(() => undefined);
  }

  async #follow(old: Dialog, target: SipUri, referredBy: string | undefined): Promise<void> {
    const call = this.#call;
    const { media } = this.#x.deps;
    const { sdp } = await this.#x.negotiation.serial(() => media.pbxHoldOffer(call.mediaNode(), call.id, false));
    const uri: SipUri = { ...target, headers: [] };
    const replaces = target.headers.find(([n]) => n.toLowerCase() === 'replaces')?.[1];
    const { invite, response } = await this.#invite(uri, sdp, referredBy, replaces ? unescapeUriComponent(replaces) : undefined);
    this.#outgoing = undefined;
    this.#x.logger.info({ status: response.status, ended: call.ended }, 'transfer target answered (as transferee)');
    if (response.status >= 300 || call.ended) {
      // Nobody left to talk to when the transferor hung up: the call ends with the target's answer.
      if (this.#transferorLeft) call.hangup('normal', { status: response.status, reason: response.reason });
      // The re-offer goes once the transferor has the failure: it must not overtake the final NOTIFY.
      else await this.#notify(old, `${response.status} ${response.reason}`, true);
      if (!call.ended) await this.#x.negotiation.resendOffer(sdp);
      return;
    }
    const dialog = Dialog.createUac(invite, response);
    call.sendAck(dialog, invite);
    const answer = isSdpBody(response.headers.contentType(), response.body) ? response.body.toString('utf8') : undefined;
    if (call.ended || answer === undefined) {
      this.#byeRetired(dialog);
      if (this.#transferorLeft) call.hangup('error', { status: response.status, reason: 'no SDP answer' });
      if (!call.ended) await this.#x.negotiation.resendOffer(sdp);
      return;
    }
    const applied = await this.#x.negotiation.serial(() => media.pbxApplyAnswer(call.mediaNode(), call.id, answer));
    if (call.ended) {
      this.#byeRetired(dialog);
      return;
    }
    if (!this.#transferorLeft) void this.#notify(old, '200 OK', true);
    const number = typeof uri.user === 'string' && uri.user !== '' ? uri.user : formatUri(uri);
    this.#x.moveToDialog(dialog, number, applied.mediaPath, uacSessionTimer(response.headers));
    this.#x.logger.info({ target: formatUri(uri) }, 'transferred (as transferee): the call continues with the target');
    if (!this.#transferorLeft) new RetiredDialog(old, this.#x.deps.endpoint, this.#x.logger).retire(TRANSFEROR_BYE_WAIT_MS);
  }

  /** The INVITE to the transfer target, with our digest answers; resolves with its final response. */
  #invite(uri: SipUri, sdp: string, referredBy: string | undefined, replaces: string | undefined): Promise<{ invite: SipRequest; response: SipResponse }> {
    const call = this.#call;
    const endpoint = this.#x.deps.endpoint;
    const sentBy = endpoint.sentBy(this.#x.address.transport);
    const digest = new DigestClient({ credentials: { username: this.#x.line.authUser || this.#x.line.number, password: this.#x.line.authPassword } });
    const first = createRequest({
      method: 'INVITE',
      uri,
      body: sdp,
      contentType: 'application/sdp',
      headers: [
        ['From', formatNameAddr({ displayName: this.#x.line.displayName || undefined, uri: this.#x.address.aor, params: new Map([['tag', generateTag()]]) })],
        ['To', `<${formatUri(uri)}>`],
        ['Call-ID', generateCallId(sentBy.host.replace(/[[\]]/g, ''))],
        ['CSeq', '1 INVITE'],
        ['Contact', `<${formatUri(call.contact)}>`],
        ...(referredBy ? [['Referred-By', referredBy] as [string, string]] : []),
        ...(replaces ? [['Replaces', replaces] as [string, string]] : []),
        // The call goes on with the target: if that is one of our lines, its leg joins this call's node.
        ...mediaMarkHeaders({ nodeId: call.mediaNode(), callId: call.id }, this.#x.deps.settings.mediaMark !== false),
        ...endpoint.capabilityHeaders().filter(([n]) => n !== 'Accept'),
        ...requestSessionHeaders(this.#x.deps.settings.sessionExpiresS, false),
      ],
    });
    return new Promise((resolve, reject) => {
      const send = (invite: SipRequest): void => {
        const tx = endpoint.send(invite, this.#x.address.destination);
        this.#outgoing = { invite, tx, provisional: false };
        tx.on('response', (response) => {
          if (response.status < 200) {
            if (this.#outgoing && response.status > 100 && !this.#outgoing.provisional) {
              this.#outgoing.provisional = true;
              if (call.confirmed && call.dialog) void this.#notify(call.dialog, `${response.status} ${response.reason}`, false);
            }
            return;
          }
          if (response.status === 401 || response.status === 407) {
            try {
              send(digest.retry(invite, response));
              return;
            } catch (err) {
              if (!(err instanceof DigestError)) throw err;
            }
          }
          resolve({ invite, response });
        });
        tx.once('timeout', () => resolve({ invite, response: { status: 408, reason: 'Request Timeout' } as SipResponse }));
        tx.once('transporterror', (err) => reject(err));
      };
      send(first);
    });
  }

  /**
   * NOTIFY of the refer subscription in `dialog` (RFC 3515 §2.4.4) with the status line `status`, sent once
   * the NOTIFY before it is answered (NOTIFY_ORDER_WAIT_MS at most); resolves when this one is (same bound).
   */
  #notify(dialog: Dialog, status: string, final: boolean): Promise<void> {
    const answered = this.#notified.then(() => this.#sendNotify(dialog, status, final, true));
    let wait: NodeJS.Timeout | undefined;
    const bounded = Promise.race([answered, new Promise<void>((resolve) => {
      wait = setTimeout(resolve, NOTIFY_ORDER_WAIT_MS);
    })]).finally(() => clearTimeout(wait));
    this.#notified = bounded;
    return bounded;
  }

  /** One refer NOTIFY; refused with 500 (overtaken by a later request of ours, see NOTIFY_ORDER_WAIT_MS) it is sent once more with a new CSeq. */
  async #sendNotify(dialog: Dialog, status: string, final: boolean, again: boolean): Promise<void> {
    const call = this.#call;
    let notify: SipRequest;
    try {
      notify = dialog.createRequest('NOTIFY', {
        headers: [
          ['Event', 'refer'],
          ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
          ['Contact', `<${formatUri(call.contact)}>`],
        ],
        body: `SIP/2.0 ${status}\r\n`,
        contentType: SIPFRAG,
      });
    } catch (err) {
      this.#x.logger.info({ err: (err as Error).message }, 'cannot send the refer NOTIFY');
      return;
    }
    let response: SipResponse;
    try {
      response = await this.#x.deps.endpoint.request(notify, nextHop(notify));
    } catch (err) {
      this.#x.logger.info({ err: (err as Error).message }, 'refer NOTIFY not answered');
      return;
    }
    if (response.status < 300) return;
    const retry = again && response.status === 500;
    this.#x.logger.info({ status, answer: response.status, retry }, 'refer NOTIFY refused');
    if (retry) await this.#sendNotify(dialog, status, final, false);
  }

  /** BYE of a dialog we do not keep (a target's 2xx without SDP, or after the call ended). */
  #byeRetired(dialog: Dialog): void {
    new RetiredDialog(dialog, this.#x.deps.endpoint, this.#x.logger).retire(0);
  }
}
