// The dialogs one call is reachable in, and what flows in them: the call's current dialog (its changes
// rewrite the crash-recovery snapshot), every dialog key the endpoint routes to the call (early dialogs,
// the dialog a transfer moves it to), the PBX's in-dialog requests (BYE, INFO, OPTIONS here; re-INVITE
// and UPDATE to the negotiation; REFER and NOTIFY to the transfer), our non-INVITE requests, and the ACKs
// of our INVITEs' 2xx, kept to answer a retransmitted 2xx.
import { DialogError, nextHop, SipTimeoutError, type Dialog, type InviteServerTransaction, type ServerTransaction, type SipRequest, type SipResponse } from '../sip/mod.ts';
import type { CallDialogsHost } from './CallDialogsTypes.ts';
import { parseDtmfRelay } from './dtmf.ts';

/** ACKs of our INVITEs' 2xx kept for retransmitted 2xx (the newest ones). */
const MAX_REMEMBERED_ACKS = 4;

export class CallDialogs {
  readonly #host: CallDialogsHost;
  #current: Dialog | undefined;
  readonly #keys = new Set<string>();
  /** 2xx ACKs of our INVITEs by CSeq, re-sent when the 2xx is retransmitted (our ACK was lost). */
  readonly #acks = new Map<number, SipRequest>();

  constructor(host: CallDialogsHost) {
    this.#host = host;
  }

  /** The dialog the call is in (its early dialog while one is). */
  get current(): Dialog | undefined {
    return this.#current;
  }

  /** Only to forget an early dialog without ending it (OutgoingCall's restarted INVITE); use() takes a dialog. */
  set current(dialog: Dialog | undefined) {
    this.#current = dialog;
  }

  /** The call is in `dialog` from now on: its requests reach the call, its changes rewrite the snapshot. */
  use(dialog: Dialog): void {
    const { snapshots, callId } = this.#host;
    this.#current?.observe(undefined);
    this.#current = dialog;
    // What a recovery needs (our CSeq, the target, the route set) changed: the snapshot is written again.
    dialog.observe(() => snapshots?.changed(callId));
    this.addKey(dialog.key);
    snapshots?.changed(callId);
  }

  /** Routes the requests of the dialog `key` to the call (until close()). */
  addKey(key: string): void {
    const { endpoint, handler } = this.#host;
    if (this.#keys.has(key) || this.#host.ended()) return;
    this.#keys.add(key);
    endpoint.addDialog(key, handler);
    endpoint.trace.link(this.#host.callId, key.slice(0, key.indexOf('|'))); // key = Call-ID|…: its SIP for captures
  }

  /** A transfer moved the call to `dialog`: the old one no longer reaches the call (CallTransfer retires it). */
  moveTo(dialog: Dialog): void {
    const old = this.#current;
    if (old && this.#keys.delete(old.key)) this.#host.endpoint.removeDialog(old.key, this.#host.handler);
    this.use(dialog);
  }

  /** A request of the PBX in one of the call's dialogs. */
  receive(request: SipRequest, tx: ServerTransaction): void {
    const { endpoint, negotiation, transfer } = this.#host;
    const dialog = this.#current;
    if (this.#host.ended() || !dialog) {
      endpoint.reply(tx, 481);
      return;
    }
    try {
      dialog.receiveRequest(request);
    } catch (err) {
      if (err instanceof DialogError) {
        // At info: a request refused here (one that came out of order) never reaches the call — a lost
        // refer NOTIFY, say, is a failed transfer nobody is told of.
        this.#host.logger.info({ method: request.method, err: err.message }, 'in-dialog request refused');
        endpoint.reply(tx, err.status ?? 500);
        return;
      }
      throw err;
    }
    negotiation.notePeerAllow(request);
    switch (request.method) {
      case 'BYE':
        endpoint.reply(tx, 200);
        if (!transfer.absorbBye(dialog)) this.#host.remoteBye();
        return;
      case 'INVITE':
        negotiation.receiveReInvite(request, tx as InviteServerTransaction);
        return;
      case 'UPDATE':
        negotiation.receiveUpdate(request, tx);
        return;
      case 'INFO': {
        const dtmf = request.headers.contentType()?.subtype === 'dtmf-relay' ? parseDtmfRelay(request.body.toString('utf8')) : undefined;
        if (dtmf) this.#host.logger.debug({ digit: dtmf.signal }, 'DTMF INFO from the PBX');
        endpoint.reply(tx, 200);
        return;
      }
      case 'OPTIONS':
        endpoint.reply(tx, 200, endpoint.capabilityHeaders());
        return;
      case 'NOTIFY':
        endpoint.reply(tx, 200);
        transfer.onNotify(request);
        return;
      case 'REFER':
        transfer.receiveRefer(request, tx);
        return;
      default:
        endpoint.reply(tx, 501);
    }
  }

  /** A non-INVITE request within the dialog; a 408/481 answer or a timeout ends the dialog (§12.2.1.2). */
  async request(request: SipRequest): Promise<SipResponse> {
    try {
      const response = await this.#host.endpoint.request(request, nextHop(request));
      this.#current?.receiveResponse(response, request);
      if ((response.status === 481 || response.status === 408) && request.method !== 'BYE') this.#host.hangup('error', { status: response.status, reason: response.reason });
      return response;
    } catch (err) {
      if (request.method !== 'BYE' && err instanceof SipTimeoutError) this.#host.hangup('timeout');
      throw err;
    }
  }

  /** ACKs the 2xx of our INVITE `invite` in `dialog`, and keeps the ACK to re-send it when that 2xx is retransmitted. */
  sendAck(dialog: Dialog, invite: SipRequest): void {
    const ack = dialog.createAck(invite);
    this.#acks.set(invite.headers.cseq().seq, ack);
    if (this.#acks.size > MAX_REMEMBERED_ACKS) this.#acks.delete(this.#acks.keys().next().value as number);
    this.#host.endpoint.sendAck(ack, nextHop(ack));
  }

  /** A response no transaction took: a retransmitted 2xx of our INVITE gets its ACK again (ours was lost). */
  resendAck(response: SipResponse): void {
    const cseq = response.headers.cseq();
    if (cseq.method !== 'INVITE') return;
    const ack = this.#acks.get(cseq.seq);
    if (ack) this.#host.endpoint.sendAck(ack, nextHop(ack));
  }

  /** The call ended: no dialog reaches it any more, the current one is terminated. */
  close(): void {
    for (const key of this.#keys) this.#host.endpoint.removeDialog(key, this.#host.handler);
    this.#keys.clear();
    this.#current?.observe(undefined);
    this.#current?.terminate();
    this.#acks.clear();
  }
}
