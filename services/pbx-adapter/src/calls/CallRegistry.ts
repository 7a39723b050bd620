// The adapter's calls by bus callId: creates outgoing calls for makeCall and incoming ones for INVITEs
// to our lines (Request-URI user, else To user, matched against the line numbers), hands commands and
// media failures to them, forgets them when they end, and bounds their number.
import { randomUUID } from 'node:crypto';
import type { CallCause, CallEvent, GatewayInstance, LineConfig, Logger, MediaCallEvent } from '@ucserver/shared';
import { contactUri, lineAddress } from '../userAgent/lineAddress.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { LineTransport } from '../userAgent/SipEndpointTypes.ts';
import {
  AdapterClosedError,
  CallExistsError,
  CallNotFoundError,
  CallStateError,
  CapacityError,
  LineDisabledError,
  LineNotFoundError,
  TransportUnavailableError,
} from '../errors.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import {
  isSipUri,
  isTelUri,
  unescapeUriComponent,
  type InviteServerTransaction,
  type MessageSource,
  type SipRequest,
  type Uri,
} from '../sip/mod.ts';
import type { CallRegistryOptions, MakeCallRequest } from './CallRegistryTypes.ts';
import { IncomingCall } from './IncomingCall.ts';
import { InviteCredentials } from './InviteCredentials.ts';
import { OutgoingCall } from './OutgoingCall.ts';
import type { SipCall } from './SipCall.ts';
import type { SipCallDeps, SipCallDump } from './SipCallTypes.ts';

/** The number a URI stands for: the user of a SIP URI, the number of a tel: URI. */
export const numberOf = (uri: Uri): string | undefined => {
  if (isSipUri(uri)) return uri.user === undefined ? undefined : unescapeUriComponent(uri.user);
  if (isTelUri(uri)) return uri.number;
  return undefined;
};

export class CallRegistry {
  readonly #options: CallRegistryOptions;
  readonly #endpoint: SipEndpoint;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #deps: SipCallDeps;
  readonly #maxCalls: number;
  readonly #calls = new Map<string, SipCall>();
  /**
   * Ids of calls this run carried and has ended, newest last (bounded): their end is this run's to publish
   * (the event publisher delivers it once the bus is back), so a recovery after a re-taken lease leaves them.
   */
  readonly #ended = new Set<string>();
  #closed = false;

  constructor(options: CallRegistryOptions) {
    this.#options = options;
    this.#endpoint = options.endpoint;
    this.#logger = options.logger.child({ component: 'calls' });
    this.#metrics = options.metrics;
    this.#maxCalls = options.maxCalls ?? 5000;
    this.#deps = {
      endpoint: options.endpoint,
      media: options.media,
      publisher: options.publisher,
      metrics: options.metrics,
      logger: options.logger,
      settings: options.settings,
      clock: options.clock,
      snapshots: options.snapshots,
      inviteCredentials: new InviteCredentials(),
      renegotiateSoftphone: options.renegotiateSoftphone,
    };
    options.endpoint.on('invite', (request, tx, source) => this.#onInvite(request, tx, source));
  }

  get size(): number {
    return this.#calls.size;
  }

  has(callId: string): boolean {
    return this.#calls.has(callId);
  }

  /** The call is carried here, or was and ended here (one of the last `maxCalls` × 4 ended). */
  carriedHere(callId: string): boolean {
    return this.#calls.has(callId) || this.#ended.has(callId);
  }

  /** The calls' last events (those that published one), paged in the registry's order. */
  events(offset: number, limit: number): { calls: CallEvent[]; nextOffset: number | null } {
    const all = [...this.#calls.values()];
    const page = all.slice(offset, offset + limit);
    const calls = page.map((c) => this.#options.publisher.lastEvent(c.id)).filter((e): e is CallEvent => e !== undefined);
    return { calls, nextOffset: offset + limit < all.length ? offset + limit : null };
  }

  /** The gateway runs owning calls now (each once). */
  owners(): GatewayInstance[] {
    const runs = new Map<string, GatewayInstance>();
    for (const c of this.#calls.values()) if (c.owner) runs.set(`${c.owner.instanceId}|${c.owner.startedAt}`, c.owner);
    return [...runs.values()];
  }

  /** Ends every call owned by the gateway run `owner` (it is gone) with `cause`; returns how many. */
  abandonOwnedBy(owner: GatewayInstance, cause: CallCause): number {
    let n = 0;
    for (const c of [...this.#calls.values()]) {
      if (c.ended || c.owner?.instanceId !== owner.instanceId || c.owner.startedAt !== owner.startedAt) continue;
      n += 1;
      this.#metrics.callsAbandoned.inc({ cause });
      c.abandon(cause);
    }
    if (n > 0) this.#logger.warn({ gateway: owner.instanceId, gatewayStartedAt: owner.startedAt, calls: n, cause }, 'calls of a lost gateway ended');
    return n;
  }

  /** Ends every call with `cause` (our bus was down past BUS_OUTAGE_GRACE_MS: 'bus-outage'); returns how many. */
  abandonAll(cause: CallCause): number {
    let n = 0;
    for (const c of [...this.#calls.values()]) {
      if (c.ended) continue;
      n += 1;
      this.#metrics.callsAbandoned.inc({ cause });
      c.abandon(cause);
    }
    if (n > 0) this.#logger.warn({ calls: n, cause }, 'calls ended');
    return n;
  }

  /**
   * A media node is gone (its heartbeats stopped, or it restarted and lost its calls): every call it
   * carried is hung up with cause 'media-failure' (BYE, CANCEL or 503); returns how many.
   */
  mediaNodeDown(nodeId: string, reason: string): number {
    let n = 0;
    for (const c of [...this.#calls.values()]) {
      if (c.ended || c.dump().mediaNodeId !== nodeId) continue;
      n += 1;
      c.mediaFailed(`media node ${nodeId} ${reason}`);
    }
    if (n > 0) this.#logger.warn({ nodeId, reason, calls: n }, 'media node down: its calls ended');
    return n;
  }

  /** The call with this bus id; throws CallNotFoundError. */
  call(callId: string): SipCall {
    const call = this.#calls.get(callId);
    if (!call) throw new CallNotFoundError(callId);
    return call;
  }

  /**
   * PbxCommands.reattach (issue 18): the gateway run `gateway` owns the answered call `callId` from now on
   * (its softphone re-attached there after the former owner died). Only the owner changes: the dialog,
   * the media and the call's events go on, so the loss of the former run no longer ends the call
   * (GatewayLiveness judges the owners anew at its next check). Idempotent for the same run.
   */
  reattach(callId: string, gateway: GatewayInstance): void {
    const call = this.call(callId);
    if (call.ended) throw new CallNotFoundError(callId);
    const from = call.owner;
    if (!from) throw new CallStateError(`no gateway owns the call, there is nothing to re-attach [callId:${callId}]`);
    if (!call.confirmed) throw new CallStateError(`only an answered call can be re-attached [callId:${callId}]`);
    call.own(gateway);
    if (from.instanceId !== gateway.instanceId || from.startedAt !== gateway.startedAt) {
      this.#logger.info({ callId, from: from.instanceId, fromStartedAt: from.startedAt, to: gateway.instanceId, toStartedAt: gateway.startedAt }, 'call re-attached to another gateway');
    }
  }

  /** PbxCommands.pickup: the ringing incoming call `callId` moves to our line `lineId` (the picker's). */
  pickup(callId: string, lineId: string, lineNumber: string): void {
    const call = this.call(callId);
    if (!(call instanceof IncomingCall)) throw new CallStateError(`only an incoming call can be picked up [callId:${callId}]`);
    if (!this.#options.registrations.line(lineId)) throw new LineNotFoundError(lineId);
    call.pickup(lineId, lineNumber);
  }

  /**
   * The Replaces value (RFC 3891 §6.1) naming the confirmed dialog of `callId` as its far end sees it:
   * to-tag is the far end's tag (our remote tag), from-tag ours.
   */
  replacesOf(callId: string): string {
    const dialog = this.call(callId).dump().dialog;
    if (!dialog || dialog.state !== 'confirmed') throw new CallStateError(`call has no confirmed dialog to replace [callId:${callId}]`);
    return `${dialog.id.callId};to-tag=${dialog.id.remoteTag};from-tag=${dialog.id.localTag}`;
  }

  dump(): SipCallDump[] {
    return [...this.#calls.values()].map((c) => c.dump());
  }

  /** PbxCommands.makeCall: resolves once the INVITE is sent. */
  async makeCall(request: MakeCallRequest): Promise<void> {
    if (this.#closed) throw new AdapterClosedError('the adapter is shutting down');
    if (this.#calls.has(request.callId)) throw new CallExistsError(request.callId);
    const line = this.#options.registrations.line(request.lineId);
    if (!line) throw new LineNotFoundError(request.lineId);
    if (!line.enabled) throw new LineDisabledError(request.lineId);
    if (!this.#endpoint.has(line.transport)) throw new TransportUnavailableError(line.transport, `lineId:${line.lineId}`);
    if (this.#calls.size >= this.#maxCalls) throw new CapacityError(this.#maxCalls);
    const call = new OutgoingCall(
      {
        callId: request.callId,
        line,
        address: lineAddress(line),
        contact: contactUri(line, this.#endpoint.sentBy(line.transport), line.transport),
        mediaNodeId: request.mediaNodeId,
        remoteNumber: request.to.slice(0, 256),
        to: request.to,
      },
      this.#deps,
    );
    call.own(request.gateway);
    this.#track(call);
    await call.start();
  }

  /** A media event of a node: a failed call is hung up, a new media path is published. */
  mediaEvent(event: MediaCallEvent): void {
    const call = this.#calls.get(event.callId);
    if (!call) return;
    if (event.type === 'failed') call.mediaFailed(event.cause);
    else if (event.type === 'path') call.mediaPathChanged(event.path);
  }

  /** Ends every call (BYE, CANCEL or a final answer) and waits for them, at most `timeoutMs`. Idempotent. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    const calls = [...this.#calls.values()];
    if (calls.length === 0) return;
    const ended = Promise.all(calls.map((c) => (c.ended ? undefined : new Promise<void>((resolve) => c.once('@close', () => resolve())))));
    for (const c of calls) void c.terminate();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  #track(call: SipCall): void {
    this.#calls.set(call.id, call);
    call.once('@close', () => {
      if (this.#calls.get(call.id) === call) this.#calls.delete(call.id);
      this.#ended.add(call.id);
      if (this.#ended.size > this.#maxCalls * 4) this.#ended.delete(this.#ended.values().next().value!);
    });
  }

  /**
   * An INVITE with Replaces (RFC 3891 §3) for line `lineId` (screened like any INVITE): the confirmed
   * call of that line whose dialog it names takes it, else 481.
   */
  #onReplacingInvite(request: SipRequest, tx: InviteServerTransaction, lineId: string): void {
    const m = /^\s*([^;\s]+)\s*;(.*)$/.exec(request.headers.get('Replaces') ?? '');
    const params = new Map((m?.[2] ?? '').split(';').map((p) => p.trim().split('=') as [string, string]));
    const wanted = m ? { callId: m[1], localTag: params.get('to-tag'), remoteTag: params.get('from-tag') } : undefined;
    const call = wanted && [...this.#calls.values()].find((c) => {
      const id = c.dump().dialog?.id;
      return c.confirmed && c.line.lineId === lineId && id !== undefined && id.callId === wanted.callId && id.localTag === wanted.localTag && id.remoteTag === wanted.remoteTag;
    });
    if (!call) {
      this.#endpoint.reply(tx, 481);
      return;
    }
    call.acceptReplacing(request, tx);
  }

  #onInvite(request: SipRequest, tx: InviteServerTransaction, source: MessageSource): void {
    const endpoint = this.#endpoint;
    if (this.#closed) {
      endpoint.reply(tx, 503, [['Retry-After', '5']]);
      return;
    }
    if (this.#options.serving && !this.#options.serving()) {
      this.#metrics.callSetupOutcomes.inc({ direction: 'inbound', outcome: 'not-serving' });
      endpoint.reply(tx, 503, [['Retry-After', String(this.#options.notServingRetryAfterS ?? 10)]]);
      return;
    }
    const line = this.#lineFor(request, source);
    // Only for a line we hold a live binding of (RFC 3261 §10: the PBX reaches us at the Contact it
    // registered): anything else never reaches the bus, the clients or the journal.
    if (!line || this.#options.registrations.state(line.lineId)?.status !== 'registered') {
      this.#metrics.callSetupOutcomes.inc({ direction: 'inbound', outcome: 'not-found' });
      if (line) this.#metrics.sipScreened.inc({ reason: 'not-registered-line' });
      endpoint.reply(tx, 404);
      return;
    }
    if (!line.enabled) {
      this.#metrics.callSetupOutcomes.inc({ direction: 'inbound', outcome: 'unavailable' });
      endpoint.reply(tx, 480);
      return;
    }
    if (request.headers.has('Replaces')) {
      this.#onReplacingInvite(request, tx, line.lineId);
      return;
    }
    if (this.#calls.size >= this.#maxCalls) {
      this.#metrics.callSetupOutcomes.inc({ direction: 'inbound', outcome: 'busy' });
      endpoint.reply(tx, 503, [['Retry-After', '5']]);
      return;
    }
    const arrivedOn = source.protocol.toLowerCase() as LineTransport;
    const transport = endpoint.has(line.transport) ? line.transport : arrivedOn;
    const from = request.headers.from();
    let call: IncomingCall;
    try {
      call = new IncomingCall(
        {
          callId: randomUUID(),
          line,
          address: lineAddress(line),
          contact: contactUri(line, endpoint.sentBy(transport), transport),
          mediaNodeId: undefined,
          remoteNumber: (numberOf(from.uri) ?? 'anonymous').slice(0, 256),
          remoteName: from.displayName?.slice(0, 256) || undefined,
          invite: request,
          transaction: tx,
          source,
        },
        this.#deps,
      );
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message, lineId: line.lineId }, 'incoming call refused');
      endpoint.reply(tx, 500);
      return;
    }
    this.#track(call);
    void call.start({
      pickNode: (prefer) => this.#options.placement.pick(prefer),
      askGateway: this.#options.askGateway,
    });
  }

  /** The line an INVITE is for: its Request-URI user (our Contact), else its To user. */
  #lineFor(request: SipRequest, source: MessageSource): LineConfig | undefined {
    const registrations = this.#options.registrations;
    // The Request-URI is our Contact (sip:<number>@us); the To user only when it names no user.
    const target = numberOf(request.uri);
    const users = (target !== undefined ? [target] : [numberOf(request.headers.to().uri)]).filter((u): u is string => u !== undefined);
    for (const user of users) {
      const lines = registrations.linesForNumber(user);
      if (lines.length === 0) continue;
      const enabled = lines.filter((l) => l.enabled);
      const pool = enabled.length > 0 ? enabled : lines;
      // Several lines with one number at different PBXs: take the one whose registrar sent the INVITE.
      return pool.find((l) => l.registrar.replace(/^\[|\](:\d+)?$|:\d+$/g, '') === source.address) ?? pool[0];
    }
    return undefined;
  }
}
