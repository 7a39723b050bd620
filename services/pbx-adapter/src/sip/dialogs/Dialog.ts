// A SIP dialog (RFC 3261 §12, §13.2.2.4, §14; RFC 3311 UPDATE; RFC 6665 target refreshes). Pure state:
// it builds in-dialog requests and absorbs in-dialog messages, it does not send anything itself.
import { DialogError } from '../errors.ts';
import { cloneNameAddr, createNameAddr, formatNameAddr, parseNameAddr, type NameAddr } from '../headers/nameAddr.ts';
import { createRequest, type SipRequest, type SipResponse } from '../message.ts';
import { SipHeaders } from '../SipHeaders.ts';
import { cloneUri, formatUri, isSipUri, parseUri, type Uri } from '../uri.ts';
import { dialogKey } from './dialogId.ts';
import {
  DialogState,
  type DialogDump,
  type DialogId,
  type DialogRecord,
  type DialogRole,
  type InDialogRequestOptions,
} from './DialogTypes.ts';

/** Methods whose 2xx (or which themselves, when received) refresh the remote target. */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

interface DialogInit {
  role: DialogRole;
  state: DialogState;
  id: DialogId;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  localUri: NameAddr;
  remoteUri: NameAddr;
  localTarget: Uri | undefined;
  remoteTarget: Uri;
  routeSet: NameAddr[];
  secure: boolean;
}

const firstContactUri = (contacts: NameAddr[]): Uri | undefined => contacts[0]?.uri;

const withoutParams = (na: NameAddr): NameAddr => ({ displayName: na.displayName, uri: cloneUri(na.uri), params: new Map() });

export class Dialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  /** True when created with a SIPS Request-URI (RFC 3261 §12.1.1). */
  readonly secure: boolean;
  #currentState: DialogState;
  #local: number | undefined;
  #remote: number | undefined;
  readonly #localUri: NameAddr;
  readonly #remoteUri: NameAddr;
  #localContact: Uri | undefined;
  #target: Uri;
  #routes: NameAddr[];
  /** Told after every change of what {@link record} returns (CSeqs, targets, route set, state). */
  #observer: (() => void) | undefined;

  private constructor(init: DialogInit) {
    this.role = init.role;
    this.id = init.id;
    this.secure = init.secure;
    this.#currentState = init.state;
    this.#local = init.localSeq;
    this.#remote = init.remoteSeq;
    this.#localUri = init.localUri;
    this.#remoteUri = init.remoteUri;
    this.#localContact = init.localTarget;
    this.#target = init.remoteTarget;
    this.#routes = init.routeSet;
  }

  /**
   * UAC side (RFC 3261 §12.1.2): from the request we sent and a 101-299 response carrying a To tag.
   * 1xx creates an early dialog, 2xx a confirmed one. Route set = Record-Route reversed.
   */
  static createUac(request: SipRequest, response: SipResponse): Dialog {
    const status = response.status;
    if (status <= 100 || status >= 300) throw new DialogError(`a ${status} response does not create a dialog`);
    const rh = response.headers;
    const remoteTag = rh.toTag();
    const callId = request.headers.callId();
    if (remoteTag === undefined) throw new DialogError(`${status} response has no To tag [callId:${callId}]`);
    const localTag = request.headers.fromTag();
    if (localTag === undefined) throw new DialogError(`request has no From tag [callId:${callId}]`);
    const contact = firstContactUri(rh.contacts());
    if (contact === undefined && status >= 200) throw new DialogError(`${status} response has no Contact [callId:${callId}]`);
    return new Dialog({
      role: 'uac',
      state: status >= 200 ? DialogState.Confirmed : DialogState.Early,
      id: { callId, localTag, remoteTag },
      localSeq: request.headers.cseq().seq,
      remoteSeq: undefined,
      localUri: withoutParams(request.headers.from()),
      remoteUri: withoutParams(request.headers.to()),
      localTarget: firstContactUri(request.headers.contacts()),
      remoteTarget: contact ?? cloneUri(request.uri),
      routeSet: rh.recordRoutes().reverse(),
      secure: request.uri.scheme === 'sips',
    });
  }

  /**
   * UAS side (RFC 3261 §12.1.1): from the request we received and the 101-299 response we send, which
   * carries our To tag. Route set = Record-Route in order; remote target = the request's Contact.
   */
  static createUas(request: SipRequest, response: SipResponse): Dialog {
    const status = response.status;
    if (status <= 100 || status >= 300) throw new DialogError(`a ${status} response does not create a dialog`);
    const callId = request.headers.callId();
    const localTag = response.headers.toTag();
    if (localTag === undefined) throw new DialogError(`our ${status} response has no To tag [callId:${callId}]`);
    const contact = firstContactUri(request.headers.contacts());
    if (contact === undefined) throw new DialogError(`${request.method} has no Contact [callId:${callId}]`);
    return new Dialog({
      role: 'uas',
      state: status >= 200 ? DialogState.Confirmed : DialogState.Early,
      id: { callId, localTag, remoteTag: request.headers.fromTag() ?? '' },
      localSeq: undefined,
      remoteSeq: request.headers.cseq().seq,
      localUri: withoutParams(request.headers.to()),
      remoteUri: withoutParams(request.headers.from()),
      localTarget: firstContactUri(response.headers.contacts()),
      remoteTarget: contact,
      routeSet: request.headers.recordRoutes(),
      secure: request.uri.scheme === 'sips',
    });
  }

  /**
   * A dialog from its {@link record} (a restarted adapter ending a call it carried before its crash).
   * Throws SipParseError when a URI in the record does not parse.
   */
  static restore(record: DialogRecord): Dialog {
    return new Dialog({
      role: record.role,
      state: DialogState.Confirmed,
      id: { ...record.id },
      localSeq: record.localSeq,
      remoteSeq: record.remoteSeq,
      localUri: parseNameAddr(record.localUri),
      remoteUri: parseNameAddr(record.remoteUri),
      localTarget: record.localTarget === undefined ? undefined : parseUri(record.localTarget),
      remoteTarget: parseUri(record.remoteTarget),
      routeSet: record.routeSet.map((r) => parseNameAddr(r)),
      secure: record.secure,
    });
  }

  /** What {@link restore} needs to build this dialog's requests elsewhere. */
  record(): DialogRecord {
    return {
      id: { ...this.id },
      role: this.role,
      localSeq: this.#local,
      remoteSeq: this.#remote,
      localUri: formatNameAddr(this.#localUri),
      remoteUri: formatNameAddr(this.#remoteUri),
      localTarget: this.#localContact ? formatUri(this.#localContact) : undefined,
      remoteTarget: formatUri(this.#target),
      routeSet: this.#routes.map(formatNameAddr),
      secure: this.secure,
    };
  }

  /** Calls `observer` after each change of the dialog's {@link record} (one observer; undefined removes it). */
  observe(observer: (() => void) | undefined): void {
    this.#observer = observer;
  }

  get state(): DialogState {
    return this.#currentState;
  }

  /** Map key of the dialog id. */
  get key(): string {
    return dialogKey(this.id);
  }

  get localSeq(): number | undefined {
    return this.#local;
  }

  get remoteSeq(): number | undefined {
    return this.#remote;
  }

  get remoteTarget(): Uri {
    return cloneUri(this.#target);
  }

  get localTarget(): Uri | undefined {
    return this.#localContact ? cloneUri(this.#localContact) : undefined;
  }

  /** Route set in the order requests carry it. */
  get routeSet(): NameAddr[] {
    return this.#routes.map(cloneNameAddr);
  }

  /** Set our Contact (e.g. after a re-INVITE changing it). */
  setLocalTarget(uri: Uri): void {
    this.#localContact = cloneUri(uri);
    this.#changed();
  }

  /** Early → confirmed (a 2xx for the dialog-creating INVITE). */
  confirm(): void {
    this.#assertLive('confirm');
    this.#currentState = DialogState.Confirmed;
    this.#changed();
  }

  terminate(): void {
    if (this.#currentState === DialogState.Terminated) return;
    this.#currentState = DialogState.Terminated;
    this.#changed();
  }

  /**
   * Build a request within the dialog (RFC 3261 §12.2.1.1): BYE, re-INVITE, UPDATE, INFO, REFER, ...
   * Increments the local CSeq. Not for ACK (createAck) or CANCEL (createCancel on the INVITE). The
   * transaction layer adds the Via.
   */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    this.#assertLive(`create ${method}`);
    if (method === 'ACK' || method === 'CANCEL') throw new TypeError(`use ${method === 'ACK' ? 'createAck()' : 'createCancel()'} for ${method}`);
    if (this.#local === undefined) this.#local = Math.floor(Math.random() * 0x7fff) + 1;
    else this.#local += 1;
    const request = this.#build(method, this.#local, opts, TARGET_REFRESH.has(method));
    this.#changed();
    return request;
  }

  /**
   * ACK for a 2xx to an INVITE of this dialog (RFC 3261 §13.2.2.4): CSeq number of that INVITE with
   * method ACK, same route set and Request-URI rules, the INVITE's credentials. Sent outside any
   * transaction, so it gets its own branch when the transaction layer adds the Via.
   */
  createAck(invite: SipRequest, opts: InDialogRequestOptions = {}): SipRequest {
    if (invite.method !== 'INVITE') throw new TypeError(`createAck() needs the INVITE, got ${invite.method}`);
    if (this.#currentState === DialogState.Terminated) throw new DialogError(`dialog terminated, cannot ACK [${this.#describe()}]`);
    const ack = this.#build('ACK', invite.headers.cseq().seq, opts, false);
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      for (const v of invite.headers.getAll(name)) ack.headers.append(name, v);
    }
    return ack;
  }

  /**
   * Apply a request received in this dialog (RFC 3261 §12.2.2): checks the id, rejects a CSeq lower
   * than the last one with DialogError (status 500), updates the remote CSeq and, for target refresh
   * requests with a Contact, the remote target.
   */
  receiveRequest(request: SipRequest): void {
    this.#assertLive(`receive ${request.method}`);
    const h = request.headers;
    if (h.callId() !== this.id.callId || h.toTag() !== this.id.localTag || (h.fromTag() ?? '') !== this.id.remoteTag) {
      throw new DialogError(`${request.method} does not belong to this dialog [${this.#describe()}]`, { status: 481 });
    }
    const seq = h.cseq().seq;
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this.#remote !== undefined && seq <= this.#remote) {
        throw new DialogError(`CSeq ${seq} not above ${this.#remote} [${this.#describe()}]`, { status: 500 });
      }
      this.#remote = seq;
    }
    if (TARGET_REFRESH.has(request.method)) {
      const contact = firstContactUri(h.contacts());
      if (contact) this.#target = contact;
    }
    this.#changed();
  }

  /**
   * Apply a response to a request sent in this dialog: a 2xx (or 1xx in an early dialog) to a target
   * refresh request replaces the remote target; a 2xx to the INVITE confirms an early dialog and
   * recomputes the route set (§13.2.2.4); 481 and 408 terminate the dialog (§12.2.1.2).
   */
  receiveResponse(response: SipResponse, request: SipRequest): void {
    if (this.#currentState === DialogState.Terminated) return;
    const status = response.status;
    if (status === 481 || status === 408) {
      this.terminate();
      return;
    }
    const method = request.method;
    const contact = (): Uri | undefined => firstContactUri(response.headers.contacts());
    if (status >= 200 && status < 300) {
      if (this.#currentState === DialogState.Early && method === 'INVITE') {
        this.#currentState = DialogState.Confirmed;
        if (this.role === 'uac') this.#routes = response.headers.recordRoutes().reverse();
      }
      if (TARGET_REFRESH.has(method)) {
        const c = contact();
        if (c) this.#target = c;
      }
    } else if (status > 100 && status < 200 && this.#currentState === DialogState.Early && method === 'INVITE') {
      const c = contact();
      if (c) this.#target = c;
    }
    this.#changed();
  }

  /** True when an incoming request carries this dialog's id. */
  matchesRequest(request: SipRequest): boolean {
    const h = request.headers;
    return h.callId() === this.id.callId && h.toTag() === this.id.localTag && (h.fromTag() ?? '') === this.id.remoteTag;
  }

  dump(): DialogDump {
    return {
      id: { ...this.id },
      role: this.role,
      state: this.#currentState,
      localSeq: this.#local,
      remoteSeq: this.#remote,
      localUri: formatUri(this.#localUri.uri),
      remoteUri: formatUri(this.#remoteUri.uri),
      localTarget: this.#localContact ? formatUri(this.#localContact) : undefined,
      remoteTarget: formatUri(this.#target),
      routeSet: this.#routes.map(formatNameAddr),
      secure: this.secure,
    };
  }

  #build(method: string, seq: number, opts: InDialogRequestOptions, withContact: boolean): SipRequest {
    let uri: Uri;
    let routes: NameAddr[];
    const first = this.#routes[0];
    if (!first) {
      uri = cloneUri(this.#target);
      routes = [];
    } else if (isSipUri(first.uri) && first.uri.params.has('lr')) {
      // Loose routing: Request-URI = remote target, Route = route set.
      uri = cloneUri(this.#target);
      routes = this.#routes.map(cloneNameAddr);
    } else {
      // Strict routing (RFC 2543 next hop): first route becomes the Request-URI (without the header
      // components a Request-URI cannot carry), the remote target goes last in Route.
      uri = cloneUri(first.uri);
      if (isSipUri(uri)) uri.headers = [];
      routes = [...this.#routes.slice(1).map(cloneNameAddr), createNameAddr(cloneUri(this.#target))];
    }
    const from = cloneNameAddr(this.#localUri);
    from.params.set('tag', this.id.localTag);
    const to = cloneNameAddr(this.#remoteUri);
    if (this.id.remoteTag !== '') to.params.set('tag', this.id.remoteTag);
    const headers: Array<[string, string]> = [
      ['From', formatNameAddr(from)],
      ['To', formatNameAddr(to)],
      ['Call-ID', this.id.callId],
      ['CSeq', `${seq} ${method}`],
      ['Max-Forwards', '70'],
    ];
    for (const r of routes) headers.push(['Route', formatNameAddr(r)]);
    if (withContact && this.#localContact) headers.push(['Contact', `<${formatUri(this.#localContact)}>`]);
    const request = createRequest({ method, uri, headers, body: opts.body, contentType: opts.contentType });
    for (const f of new SipHeaders(opts.headers ?? [])) request.headers.append(f.name, f.value);
    return request;
  }

  #changed(): void {
    this.#observer?.();
  }

  #assertLive(what: string): void {
    if (this.#currentState === DialogState.Terminated) throw new DialogError(`cannot ${what}: dialog terminated [${this.#describe()}]`);
  }

  #describe(): string {
    return `callId:${this.id.callId}, localTag:${this.id.localTag}, remoteTag:${this.id.remoteTag}`;
  }
}
