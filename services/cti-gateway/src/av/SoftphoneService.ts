import { randomUUID } from 'node:crypto';
import {
  BusRemoteError,
  CtiCommands,
  MediaCommands,
  PbxCommands,
  type BusClient,
  type CallEvent,
  type Command,
  type CtiGatewayConfig,
  type Logger,
  type Unsubscribe,
} from '@ucserver/shared';
import type { z } from 'zod';
import { AsnAVDropReason, AsnAVMediaType, AsnAVMessageType, type EventHandlers, type InvokeHandlers } from '../protocol/mod.ts';
import type { ActiveCall, CallRegistry } from '../calls/CallRegistry.ts';
import type { DeviceControl } from '../cti/CtiService.ts';
import { dialTarget, lineNumberFrom } from '../cti/ctiMapping.ts';
import type { LineStore, LineView } from '../lines/LineStore.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';

/** Picks the media node for a new call and tells when a node is gone (MediaPlacement in production). */
export interface MediaNodePicker {
  pick(options?: { preferAddress?: string }): string;
  on(event: 'nodedown', listener: (nodeId: string, reason: 'expired' | 'restarted') => void): unknown;
}

/** One softphone's side of a call: the AV ids the client sees and where its media lives. */
export interface SoftphoneCall {
  callId: string;
  avCallId: string;
  session: ClientSession;
  clientEndpoint: string;
  remoteEndpoint: string;
  direction: 'inbound' | 'outbound';
  mediaNodeId: string;
  clientUri: string;
  remoteUri: string;
  alerted: boolean;
  answered: boolean;
  /** The client itself hung up: it needs no asnAVDropCall back. */
  droppedByClient: boolean;
  ended: boolean;
}

const AV_MAKE_CALL_GENERAL = 100;
const SDP = 'application/sdp';

export interface SoftphoneServiceDeps {
  bus: BusClient;
  lines: LineStore;
  calls: CallRegistry;
  sessions: SessionRegistry;
  placement: MediaNodePicker;
  config: Pick<CtiGatewayConfig, 'ICE_SERVERS' | 'NO_CLIENT_POLICY' | 'PRESENCE_DOMAIN'>;
  /** Lines on do-not-disturb (owned by CTI). */
  dnd: ReadonlySet<string>;
  logger: Logger;
}

/**
 * The ENetUC AV (WebRTC softphone) side: the client's SDP goes to a media node, the call goes to the
 * pbx-adapter, and call events come back as AV events. Also answers the pbx-adapter's "incoming call"
 * request by offering the call to the line owner's softphone, and implements third-party control of
 * that softphone for CTI (remote make-call, remote answer).
 */
export class SoftphoneService implements DeviceControl {
  readonly #deps: SoftphoneServiceDeps;
  readonly #byCallId = new Map<string, SoftphoneCall>();
  /** CTI make-call requests handed to a softphone, waiting for its asnAVMakeCallV2. */
  readonly #remoteRequests = new Map<string, { lineId: string; target: string; expires: number }>();
  readonly #subs: Unsubscribe[] = [];
  readonly #logger: Logger;

  constructor(deps: SoftphoneServiceDeps) {
    this.#deps = deps;
    this.#logger = deps.logger.child({ component: 'softphone' });
    deps.calls.on('callchanged', (call, event) => void this.#onCallChanged(call, event).catch((err: unknown) => this.#logger.error({ err, callId: call.callId }, 'softphone call update failed')));
    deps.calls.on('mediafailed', (call, cause) => void this.#onMediaFailed(call, cause));
    deps.sessions.on('sessionclose', (session) => this.#onSessionClosed(session));
    deps.placement.on('nodedown', (nodeId, reason) => this.#onNodeDown(nodeId, reason));
    const bus = deps.bus;
    this.#subs.push(bus.cti.serve(CtiCommands.incomingCall, (req) => this.#incoming(req), { queue: 'cti-gateway' }));
  }

  get activeCalls(): number {
    return this.#byCallId.size;
  }

  close(): void {
    for (const s of this.#subs) s.unsubscribe();
  }

  async #media<C extends Command<'media'>>(nodeId: string, cmd: C, payload: z.input<C['request']>): Promise<z.output<C['reply']>> {
    return this.#deps.bus.media(nodeId).request(cmd, payload);
  }

  async #pbx<C extends Command<'pbx'>>(cmd: C, payload: z.input<C['request']>): Promise<void> {
    await this.#deps.bus.pbx.request(cmd, payload);
  }

  #find(session: ClientSession, avCallId: string): SoftphoneCall | undefined {
    const call = this.#byCallId.get(avCallId.startsWith('av-') ? avCallId.slice(3) : avCallId);
    return call && call.session === session ? call : undefined;
  }

  #register(call: SoftphoneCall): void {
    this.#byCallId.set(call.callId, call);
  }

  #forget(call: SoftphoneCall): void {
    call.ended = true;
    this.#byCallId.delete(call.callId);
  }

  /** A line of the user to place a softphone call from: the one named in u8sUriFrom if theirs, else their first enabled line. */
  async #lineFor(session: ClientSession, uriFrom: string): Promise<LineView> {
    const user = session.requireUser;
    const own = (await this.#deps.lines.ownedBy(user.id)).filter((l) => l.enabled);
    const named = lineNumberFrom(uriFrom);
    const line = own.find((l) => l.number === named) ?? own[0];
    if (!line) throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `no enabled line is assigned to '${user.login}'`);
    return line;
  }

  operations(): { invokes: Partial<InvokeHandlers<ClientSession>>; events: Partial<EventHandlers<ClientSession>> } {
    return {
      invokes: {
        asnAVGetIceServers: () => ({ iceServers: this.#deps.config.ICE_SERVERS.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) })) }),

        asnAVMakeCallV2: async (arg, session) => {
          session.softphone = true;
          if (arg.u8sContentType && arg.u8sContentType !== SDP) throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `unsupported content type '${arg.u8sContentType}'`);
          const line = await this.#lineFor(session, arg.u8sUriFrom);
          const target = dialTarget(arg.u8sUriTo);
          if (!target) throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `cannot dial '${arg.u8sUriTo}'`);
          let callId: string = randomUUID();
          if (arg.bIsRemoteControlCallOut) {
            for (const [id, r] of this.#remoteRequests) {
              if (r.lineId === line.id && r.target === target) {
                callId = id;
                this.#remoteRequests.delete(id);
                break;
              }
            }
          }
          let nodeId: string;
          try {
            nodeId = this.#deps.placement.pick();
          } catch (err) {
            throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `no media node available: ${(err as Error).message}`, { cause: err });
          }
          const log = this.#logger.child({ callId, lineId: line.id });
          try {
            await this.#media(nodeId, MediaCommands.softphoneOffer, { callId, sdp: arg.u8sBody });
          } catch (err) {
            throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `media refused the offer: ${(err as Error).message}`, { cause: err });
          }
          const call: SoftphoneCall = {
            callId,
            avCallId: `av-${callId}`,
            session,
            clientEndpoint: `ep-${session.id.slice(0, 16)}`,
            remoteEndpoint: `ep-pbx-${callId.slice(0, 8)}`,
            direction: 'outbound',
            mediaNodeId: nodeId,
            clientUri: `tel:${line.number}`,
            remoteUri: `tel:${target}`,
            alerted: false,
            answered: false,
            droppedByClient: false,
            ended: false,
          };
          this.#register(call);
          try {
            await this.#pbx(PbxCommands.makeCall, { callId, lineId: line.id, to: target, mediaNodeId: nodeId, origin: arg.bIsRemoteControlCallOut ? 'cti' : 'softphone' });
          } catch (err) {
            this.#forget(call);
            await this.#media(nodeId, MediaCommands.close, { callId, cause: 'make-call failed' }).catch(() => undefined);
            throw new CtiRequestError(AV_MAKE_CALL_GENERAL, `call could not be placed: ${err instanceof BusRemoteError ? err.message : (err as Error).message}`, { cause: err });
          }
          log.info({ to: target, nodeId }, 'softphone call placed');
          return { callAndConnectionID: { u8sCallID: call.avCallId, u8sEndpointID: call.clientEndpoint }, u8sCTIConnectionID: callId };
        },
      },
      events: {
        asnAVAlertV2: async (arg, session) => {
          const call = this.#find(session, arg.u8sCallID);
          if (!call || call.direction !== 'inbound' || call.alerted) return;
          call.alerted = true;
          await this.#pbx(PbxCommands.alert, { callId: call.callId }).catch((err: unknown) => this.#logger.warn({ err, callId: call.callId }, 'alert failed'));
        },

        asnAVConnectV2: async (arg, session) => {
          const call = this.#find(session, arg.u8sCallID);
          if (!call || call.direction !== 'inbound' || call.answered) return;
          call.answered = true;
          try {
            await this.#media(call.mediaNodeId, MediaCommands.softphoneApplyAnswer, { callId: call.callId, sdp: arg.u8sBody });
            await this.#pbx(PbxCommands.answer, { callId: call.callId });
          } catch (err) {
            this.#logger.warn({ err, callId: call.callId }, 'answer failed, dropping the call');
            this.#sendDrop(call, 'answer failed: ' + (err as Error).message, AsnAVDropReason.NORMAL_CALL_CLEARING);
            await this.#pbx(PbxCommands.drop, { callId: call.callId, reason: 'normal' }).catch(() => undefined);
          }
        },

        asnAVCallMessageV2: async (arg, session) => {
          const call = this.#find(session, arg.u8sCallID);
          if (!call) return;
          if (arg.messageType === AsnAVMessageType.ICE_CANDIDATE_SDP && arg.iceCandidate) {
            const c = arg.iceCandidate;
            await this.#media(call.mediaNodeId, MediaCommands.softphoneCandidate, { callId: call.callId, candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } })
              .catch((err: unknown) => this.#logger.debug({ err, callId: call.callId }, 'candidate refused'));
          } else if (arg.messageType === AsnAVMessageType.ICE_CANDIDATE_END) {
            await this.#media(call.mediaNodeId, MediaCommands.softphoneCandidate, { callId: call.callId, candidate: null }).catch(() => undefined);
          } else if (arg.messageType === AsnAVMessageType.REINVITE_OFFER || arg.messageType === AsnAVMessageType.RENEGOTIATE_OFFER) {
            await this.#reoffer(call, arg.messageType, arg.u8sBody);
          } else {
            this.#logger.debug({ callId: call.callId, messageType: arg.messageType }, 'AV call message ignored');
          }
        },

        asnAVDropCall: async (arg, session) => {
          const avCallId = 'u8sCallID' in arg.dropTarget ? arg.dropTarget.u8sCallID : arg.dropTarget.connectionID.u8sCallID;
          const call = avCallId ? this.#find(session, avCallId) : undefined;
          if (!call) return;
          call.droppedByClient = true;
          const reason = arg.iAvDropReason === AsnAVDropReason.BUSY ? 'busy' : arg.iAvDropReason === AsnAVDropReason.REJECT ? 'decline' : 'normal';
          await this.#pbx(PbxCommands.drop, { callId: call.callId, reason }).catch((err: unknown) => {
            this.#logger.warn({ err, callId: call.callId }, 'drop failed; closing media');
            void this.#media(call.mediaNodeId, MediaCommands.close, { callId: call.callId, cause: 'drop failed' }).catch(() => undefined);
            this.#forget(call);
          });
        },

        asnAVCallHoldV2: async (arg, session) => this.#holdFromClient(arg.u8sCallID, session, true),
        asnAVCallRetrieveV2: async (arg, session) => this.#holdFromClient(arg.u8sCallID, session, false),
        asnAVCallStateChanged: () => {},
      },
    };
  }

  /**
   * The softphone re-offers (an ICE restart after a network change): the media node answers, or the
   * softphone gets RENEGOTIATE_DECLINE with the reason, so it never waits for an answer that cannot come.
   */
  async #reoffer(call: SoftphoneCall, messageType: number, sdp: string | undefined): Promise<void> {
    const base = { u8sCallID: call.avCallId, endpointIDTo: call.clientEndpoint, endpointIDFrom: call.remoteEndpoint, u8sUriTo: call.clientUri };
    try {
      if (!sdp) throw new Error('the re-offer has no SDP');
      const { sdp: answer } = await this.#media(call.mediaNodeId, MediaCommands.softphoneReoffer, { callId: call.callId, sdp });
      const answerType = messageType === AsnAVMessageType.REINVITE_OFFER ? AsnAVMessageType.REINVITE_ANSWER : AsnAVMessageType.RENEGOTIATE_ANSWER;
      call.session.sendEvent('asnAVCallMessageV2', { ...base, messageType: answerType, u8sContentType: 'application/sdp', u8sBody: answer });
    } catch (err) {
      this.#logger.info({ err: (err as Error).message, callId: call.callId }, 'softphone re-offer declined');
      // The client gets the media node's code and words, not our bus subjects.
      const reason = err instanceof BusRemoteError ? `${err.remoteCode}: ${err.message.replace(/ \[subject:[^\]]*\]$/, '')}` : (err as Error).message;
      call.session.sendEvent('asnAVCallMessageV2', { ...base, messageType: AsnAVMessageType.RENEGOTIATE_DECLINE, u8sBody: reason.slice(0, 512) });
    }
  }

  async #holdFromClient(avCallId: string, session: ClientSession, hold: boolean): Promise<void> {
    const call = this.#find(session, avCallId);
    if (!call) return;
    try {
      await this.#pbx(PbxCommands.hold, { callId: call.callId, hold });
      const ack = { u8sCallID: call.avCallId, endpointIDTo: call.clientEndpoint, endpointIDFrom: call.remoteEndpoint, messageType: hold ? AsnAVMessageType.REMOTE_HOLD_ACK : AsnAVMessageType.REMOTE_RETRIEVE, u8sUriTo: call.clientUri };
      session.sendEvent(hold ? 'asnAVCallHoldAckV2' : 'asnAVCallRetrieveAckV2', ack);
    } catch (err) {
      this.#logger.warn({ err, callId: call.callId, hold }, 'hold from client failed');
    }
  }

  /** The pbx-adapter asks whether anyone takes an incoming call on a line. */
  async #incoming(req: z.output<typeof CtiCommands.incomingCall.request>): Promise<z.input<typeof CtiCommands.incomingCall.reply>> {
    const line = await this.#deps.lines.getById(req.lineId);
    if (!line || !line.enabled) return { accept: false, reason: 'unknown-line' };
    if (this.#deps.dnd.has(line.id)) return { accept: false, reason: 'dnd' };
    const session = line.ownerUserId ? this.#deps.sessions.softphonesOf(line.ownerUserId).at(-1) : undefined;
    if (!session) {
      return this.#deps.config.NO_CLIENT_POLICY === 'ring' ? { accept: true } : { accept: false, reason: 'no-client' };
    }
    const { sdp } = await this.#media(req.mediaNodeId, MediaCommands.softphoneCreateOffer, { callId: req.callId });
    const call: SoftphoneCall = {
      callId: req.callId,
      avCallId: `av-${req.callId}`,
      session,
      clientEndpoint: `ep-${session.id.slice(0, 16)}`,
      remoteEndpoint: `ep-pbx-${req.callId.slice(0, 8)}`,
      direction: 'inbound',
      mediaNodeId: req.mediaNodeId,
      clientUri: `tel:${line.number}`,
      remoteUri: `tel:${req.from}`,
      alerted: false,
      answered: false,
      droppedByClient: false,
      ended: false,
    };
    this.#register(call);
    session.sendEvent('asnAVNewCallV2', {
      callAndConnectionID: { u8sCallID: call.avCallId, u8sEndpointID: call.clientEndpoint },
      u8sCTIConnectionID: call.callId,
      callType: AsnAVMediaType.eMEDIATYPESIP,
      u8sUriFrom: call.remoteUri,
      endpointIDFrom: call.remoteEndpoint,
      u8sUriTo: call.clientUri,
      u8sContentType: SDP,
      u8sBody: sdp,
      u8sCaps: 'HOLD',
    });
    this.#logger.info({ callId: call.callId, lineId: line.id, from: req.from }, 'incoming call offered to softphone');
    return { accept: true };
  }

  async #onCallChanged(active: ActiveCall, event: CallEvent): Promise<void> {
    const call = this.#byCallId.get(active.callId);
    if (!call || call.ended) return;
    const s = call.session;
    if (event.state === 'ringback' && call.direction === 'outbound' && !call.alerted) {
      call.alerted = true;
      s.sendEvent('asnAVAlertV2', { u8sCallID: call.avCallId, endpointIDTo: call.clientEndpoint, endpointIDFrom: call.remoteEndpoint, u8sUriTo: call.clientUri, u8sContentType: '', u8sBody: '' });
    } else if (event.state === 'connected' && call.direction === 'outbound' && !call.answered) {
      call.answered = true;
      try {
        const { sdp } = await this.#media(call.mediaNodeId, MediaCommands.softphoneAnswer, { callId: call.callId });
        s.sendEvent('asnAVConnectV2', { u8sCallID: call.avCallId, endpointIDTo: call.clientEndpoint, connectedEndPointID: call.remoteEndpoint, callType: AsnAVMediaType.eMEDIATYPESIP, u8sUriTo: call.clientUri, u8sContentType: SDP, u8sBody: sdp });
      } catch (err) {
        this.#logger.error({ err, callId: call.callId }, 'no SDP answer for the softphone; dropping the call');
        this.#sendDrop(call, 'media failure', AsnAVDropReason.NORMAL_CALL_CLEARING);
        await this.#pbx(PbxCommands.drop, { callId: call.callId, reason: 'normal' }).catch(() => undefined);
      }
    } else if (event.state === 'disconnected') {
      if (!call.droppedByClient) {
        const reason = event.cause === 'busy' ? AsnAVDropReason.BUSY : event.cause === 'rejected' ? AsnAVDropReason.REJECT : event.cause === 'cancelled' ? AsnAVDropReason.CANCEL : AsnAVDropReason.NORMAL_CALL_CLEARING;
        this.#sendDrop(call, event.cause ?? 'normal', reason);
      }
      this.#forget(call);
    }
  }

  #sendDrop(call: SoftphoneCall, cause: string, reason: number): void {
    call.session.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: call.avCallId }, u8sCause: cause, iAvDropReason: reason });
  }

  async #onMediaFailed(active: ActiveCall, cause: string): Promise<void> {
    const call = this.#byCallId.get(active.callId);
    this.#logger.warn({ callId: active.callId, cause }, 'media failed, dropping the call');
    if (call && !call.ended) this.#sendDrop(call, `media failure: ${cause}`, AsnAVDropReason.NORMAL_CALL_CLEARING);
    if (call) call.droppedByClient = true;
    await this.#pbx(PbxCommands.drop, { callId: active.callId, reason: 'normal' }).catch((err: unknown) => this.#logger.warn({ err, callId: active.callId }, 'drop after media failure failed'));
  }

  /**
   * A media node stopped heartbeating (crashed, or restarted and lost its calls): every call it carried is
   * dead, whatever the SIP side thinks. Hang them up with a cause instead of leaving both ends connected.
   */
  #onNodeDown(nodeId: string, reason: string): void {
    const dead = new Set<string>();
    for (const call of this.#byCallId.values()) if (call.mediaNodeId === nodeId) dead.add(call.callId);
    for (const call of this.#deps.calls.list()) if (call.mediaNodeId === nodeId && call.state !== 'disconnected') dead.add(call.callId);
    for (const callId of dead) {
      const active = this.#deps.calls.get(callId);
      if (active) void this.#onMediaFailed(active, `media node ${nodeId} ${reason}`);
      else {
        const call = this.#byCallId.get(callId)!;
        this.#sendDrop(call, `media node ${nodeId} ${reason}`, AsnAVDropReason.NORMAL_CALL_CLEARING);
        call.droppedByClient = true;
        void this.#pbx(PbxCommands.drop, { callId, reason: 'normal' }).catch(() => undefined);
      }
    }
  }

  #onSessionClosed(session: ClientSession): void {
    for (const call of [...this.#byCallId.values()]) {
      if (call.session !== session) continue;
      call.droppedByClient = true;
      this.#logger.info({ callId: call.callId }, 'softphone disconnected, hanging up its call');
      void this.#pbx(PbxCommands.drop, { callId: call.callId, reason: call.direction === 'inbound' && !call.answered ? 'unavailable' : 'normal' })
        .catch((err: unknown) => this.#logger.warn({ err, callId: call.callId }, 'drop on disconnect failed'));
    }
  }

  // DeviceControl (third-party call control from CTI)

  async remoteMakeCall(line: LineView, target: string): Promise<string> {
    const session = line.ownerUserId ? this.#deps.sessions.softphonesOf(line.ownerUserId).at(-1) : undefined;
    if (!session) throw new CtiRequestError(1, `no softphone is connected for line ${line.number}`);
    const callId = randomUUID();
    const now = Date.now();
    for (const [id, r] of this.#remoteRequests) if (r.expires < now) this.#remoteRequests.delete(id);
    this.#remoteRequests.set(callId, { lineId: line.id, target, expires: now + 30_000 });
    session.sendEvent('asnAVNewCallV2', {
      callAndConnectionID: { u8sCallID: `rc-${callId}`, u8sEndpointID: `ep-${session.id.slice(0, 16)}` },
      u8sCTIConnectionID: callId,
      callType: AsnAVMediaType.eMEDIATYPESIP,
      u8sUriFrom: `tel:${line.number}`,
      endpointIDFrom: 'ep-server',
      u8sUriTo: `tel:${target}`,
      u8sContentType: '',
      u8sBody: '',
      bIsRemoteControlCallOut: true,
    });
    return callId;
  }

  remoteAnswer(active: ActiveCall): void {
    const call = this.#byCallId.get(active.callId);
    if (!call || call.direction !== 'inbound') throw new CtiRequestError(1, `no softphone rings with call '${active.callId}'`);
    call.session.sendEvent('asnAVCallMessageV2', {
      u8sCallID: call.avCallId,
      endpointIDTo: call.clientEndpoint,
      endpointIDFrom: call.remoteEndpoint,
      messageType: AsnAVMessageType.REMOTE_ACCEPT,
      u8sUriTo: call.clientUri,
    });
  }
}
