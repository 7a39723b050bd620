import type { AudioDevices } from './AudioDevices.ts';
import type { CallList } from './CallList.ts';
import { CallPeer } from './CallPeer.ts';
import type { EnetucConnection, ServerEvent } from './EnetucConnection.ts';
import { EnetucError } from './EnetucError.ts';
import { endMedia, isEnded, moveTo, numberOf } from './phoneCalls.ts';
import {
  AV_CALL_TYPE_SIP,
  AvDropReason,
  AvMessageType,
  type AvAlert,
  type AvCallMessage,
  type AvConnect,
  type AvDropCall,
  type AvMakeCallResult,
  type AvNewCall,
} from './protocol.ts';
import type { AvLeg, PhoneCall } from './SoftphoneTypes.ts';

/** A call the user hung up that the server never confirms is cleared locally after this. */
const LOCAL_END_FALLBACK_MS = 15_000;

export interface AvCallsDeps {
  calls: CallList;
  devices: AudioDevices;
  audioContext: () => AudioContext;
  /** The logged-in connection; throws when there is none. */
  connection(): EnetucConnection;
  /** The connection, if any (events that may be lost with it). */
  connected(): EnetucConnection | undefined;
  /** The ICE servers the server named (asnAVGetIceServers). */
  iceServers(): RTCIceServer[];
  /** The URI of the line to call from: `uri` if it is ours, else the first line. */
  lineUri(uri: string | undefined): string;
  /** The model changed. */
  changed(): void;
  /** Which tone plays may have changed. */
  updateTones(): void;
}

/**
 * The softphone's own calls, as the ENetUC AV operations carry them: placing, answering, rejecting and
 * hanging up a call with its media on this page (a CallPeer), the server's AV events about them (offer,
 * ringing, answer, drop, trickle ICE, re-offer replies), and the ICE restart. Calls this page does not
 * carry media for are controlled by CTI (the Softphone).
 */
export class AvCalls {
  readonly #deps: AvCallsDeps;
  readonly #calls: CallList;

  constructor(deps: AvCallsDeps) {
    this.#deps = deps;
    this.#calls = deps.calls;
  }

  /** Places a softphone call from `lineUri` (default: the first line) to `number`. */
  async dial(number: string, lineUri?: string, options: { remoteControl?: boolean; ctiId?: string } = {}): Promise<PhoneCall> {
    const target = number.trim();
    if (!/^[A-Za-z0-9+*#._-]{1,64}$/.test(numberOf(target))) throw new Error(`cannot dial '${number}'`);
    const ownUri = this.#deps.lineUri(lineUri);
    const remoteUri = /^(tel|sips?):/i.test(target) ? target : `tel:${target}`;
    const call = this.#calls.add({ key: options.ctiId ?? this.#calls.nextLocalKey(), line: ownUri, direction: 'outbound', remote: numberOf(remoteUri), state: 'calling' });
    const av: AvLeg = { callId: '', ownEndpoint: '', remoteEndpoint: '', ownUri, remoteUri, remoteControl: !!options.remoteControl, alerted: false, answered: false, ended: false };
    call.av = av;
    this.#deps.changed();
    try {
      const conn = this.#deps.connection();
      const peer = this.#newPeer(call);
      await peer.open(undefined, { video: this.#deps.devices.videoCalls });
      const sdp = await peer.createOffer();
      if (av.ended) throw new Error('hung up');
      const result = await conn.invoke<AvMakeCallResult>('asnAVMakeCallV2', {
        callType: AV_CALL_TYPE_SIP,
        u8sUriFrom: ownUri,
        u8sUriTo: remoteUri,
        u8sContentType: 'application/sdp',
        u8sBody: sdp,
        u8sCaps: 'HOLD',
        ...(options.remoteControl ? { bIsRemoteControlCallOut: true } : {}),
      });
      av.callId = result.callAndConnectionID.u8sCallID;
      av.ownEndpoint = result.callAndConnectionID.u8sEndpointID;
      const merged = this.#calls.adopt(call, result.u8sCTIConnectionID);
      if (merged.av?.ended) {
        // hung up while the make-call ran
        conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: av.callId }, u8sCause: 'cancelled', iAvDropReason: AvDropReason.cancel });
      }
      this.#flushTrickle(merged);
      this.#deps.changed();
      return merged;
    } catch (err) {
      this.#fail(call, err);
      throw err;
    }
  }

  /** Accepts a ringing call: on this softphone when it carries the offer, else by CTI (another device). */
  async answer(key: string): Promise<void> {
    const call = this.#calls.require(key);
    const av = call.av;
    const conn = this.#deps.connection();
    if (!av?.offer) {
      if (call.id) await conn.invoke('asnCtiAnswerCall', { u8sConnectionID: call.id });
      return;
    }
    if (av.answered || av.ended) return;
    av.answered = true;
    this.#deps.updateTones();
    this.#deps.changed();
    try {
      const peer = this.#newPeer(call);
      await peer.open(av.offer);
      const sdp = await peer.createAnswer();
      conn.sendEvent('asnAVConnectV2', {
        u8sCallID: av.callId,
        endpointIDTo: av.remoteEndpoint,
        connectedEndPointID: av.ownEndpoint,
        callType: AV_CALL_TYPE_SIP,
        u8sUriTo: av.remoteUri,
        u8sContentType: 'application/sdp',
        u8sBody: sdp,
      });
      this.#flushTrickle(call);
    } catch (err) {
      // tell the server, or the PBX keeps ringing
      conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: av.callId }, u8sCause: `answer failed: ${(err as Error).message}`, iAvDropReason: AvDropReason.normal });
      this.#fail(call, err);
      throw err;
    }
  }

  /** Declines a ringing call (the caller gets "rejected"). */
  async reject(key: string): Promise<void> {
    const call = this.#calls.require(key);
    const conn = this.#deps.connection();
    if (call.av && !call.av.ended) {
      call.av.ended = true;
      conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: call.av.callId }, u8sCause: 'rejected', iAvDropReason: AvDropReason.reject });
      endMedia(call);
      this.#scheduleLocalEnd(call, 'rejected');
    } else if (call.id) {
      await conn.invoke('asnCtiDropCall', { u8sConnectionID: call.id });
    }
    this.#deps.updateTones();
    this.#deps.changed();
  }

  /** Hangs up (or cancels an unanswered outgoing call). */
  async hangup(key: string): Promise<void> {
    const call = this.#calls.require(key);
    const conn = this.#deps.connection();
    if (call.av?.ended) return; // already ending: the server confirms with disconnected/destroyed
    if (call.av) {
      const av = call.av;
      av.ended = true;
      const cancel = call.direction === 'outbound' && call.state !== 'connected' && call.state !== 'held';
      if (av.callId) {
        conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: av.callId }, u8sCause: cancel ? 'cancelled' : 'normal call clearing', iAvDropReason: cancel ? AvDropReason.cancel : AvDropReason.normal });
      }
      endMedia(call);
      this.#scheduleLocalEnd(call, cancel ? 'cancelled' : 'normal');
    } else if (call.id && !isEnded(call)) {
      await conn.invoke('asnCtiDropCall', { u8sConnectionID: call.id });
    }
    this.#deps.updateTones();
    this.#deps.changed();
  }

  /** The microphone changed: running calls switch to the new device. */
  async switchMicrophone(): Promise<void> {
    for (const call of this.#calls.all) {
      const av = call.av;
      if (!av?.peer || av.ended) continue;
      await av.peer.switchMicrophone();
    }
  }

  /**
   * Restarts ICE on a call's peer connection (new credentials, new checks), as after a network change:
   * our re-offer goes to the media node as REINVITE_OFFER; its REINVITE_ANSWER completes it, a
   * RENEGOTIATE_DECLINE rolls it back. Resolves once the answer is applied.
   */
  async restartIce(key?: string): Promise<void> {
    return this.#reoffer(key, (peer, send) => peer.restartIce(send));
  }

  /**
   * Holds (retrieves) a call the way a WebRTC client does: a re-offer with a=sendonly (a=sendrecv) as
   * REINVITE_OFFER; the server holds at the PBX and its REINVITE_ANSWER (recvonly / sendrecv) completes
   * the negotiation. Resolves once the answer is applied.
   */
  async holdBySdp(hold: boolean, key?: string): Promise<void> {
    return this.#reoffer(key, (peer, send) => peer.holdBySdp(send, hold));
  }

  /** Downgrades a call to audio by re-offer (its video m-line at port 0); see CallPeer.dropVideo. */
  async dropVideo(key?: string): Promise<void> {
    return this.#reoffer(key, (peer, send) => peer.dropVideo(send));
  }

  /** Upgrades an audio call to video by re-offer (a video m-line added); see CallPeer.addVideo. */
  async addVideo(key?: string): Promise<void> {
    return this.#reoffer(key, (peer, send) => peer.addVideo(send));
  }

  async #reoffer(key: string | undefined, run: (peer: CallPeer, send: (sdp: string) => void) => Promise<void>): Promise<void> {
    const call = key ? this.#calls.get(key) : this.#calls.current;
    const av = call?.av;
    const conn = this.#deps.connected();
    if (!av?.peer || !conn || av.ended || !av.callId) throw new Error('no call with media to re-offer on');
    return run(av.peer, (sdp) => conn.sendEvent('asnAVCallMessageV2', {
      u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri,
      messageType: AvMessageType.reinviteOffer, u8sContentType: 'application/sdp', u8sBody: sdp,
    }));
  }

  /** The AV events from the server, by name. */
  readonly #handlers: Record<string, (argument: unknown) => void> = {
    asnAVNewCallV2: (a) => this.#onNewCall(a as AvNewCall),
    asnAVAlertV2: (a) => this.#onAlert(a as AvAlert),
    asnAVConnectV2: (a) => void this.#onConnect(a as AvConnect),
    asnAVDropCall: (a) => this.#onDrop(a as AvDropCall),
    asnAVCallMessageV2: (a) => void this.#onCallMessage(a as AvCallMessage),
  };

  /** An AV event from the server; false when `event` is none of the AV events. */
  handle(event: ServerEvent): boolean {
    const handler = this.#handlers[event.name];
    handler?.(event.argument);
    return handler !== undefined;
  }

  #onNewCall(e: AvNewCall): void {
    if (e.bIsRemoteControlCallOut) {
      // Third-party control: a CTI client asked this softphone to place the call.
      void this.dial(e.u8sUriTo, e.u8sUriFrom, { remoteControl: true, ctiId: e.u8sCTIConnectionID }).catch((err: unknown) => console.warn('ucserver: remote-control call failed', err));
      return;
    }
    let call = this.#calls.byId(e.u8sCTIConnectionID);
    if (!call) {
      call = this.#calls.add({ key: e.u8sCTIConnectionID, line: e.u8sUriTo, direction: 'inbound', remote: numberOf(e.u8sUriFrom), state: 'offering' });
      call.id = e.u8sCTIConnectionID;
    }
    const av: AvLeg = {
      callId: e.callAndConnectionID.u8sCallID,
      ownEndpoint: e.callAndConnectionID.u8sEndpointID,
      remoteEndpoint: e.endpointIDFrom,
      ownUri: e.u8sUriTo,
      remoteUri: e.u8sUriFrom,
      offer: e.u8sBody,
      remoteControl: !!e.bIsRemoteControlCallIn,
      alerted: true,
      answered: false,
      ended: false,
    };
    call.av = av;
    // Ringing: the server sends 180 to the PBX.
    this.#deps.connected()?.sendEvent('asnAVAlertV2', { u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri, u8sContentType: '', u8sBody: '' });
  }

  #onAlert(e: AvAlert): void {
    const call = this.#calls.byAv(e.u8sCallID);
    if (!call?.av) return;
    call.av.alerted = true;
    if (e.endpointIDFrom) call.av.remoteEndpoint = e.endpointIDFrom;
  }

  async #onConnect(e: AvConnect): Promise<void> {
    const call = this.#calls.byAv(e.u8sCallID);
    const peer = call?.av?.peer;
    if (!call?.av || !peer || call.direction !== 'outbound') return;
    call.av.remoteEndpoint = e.connectedEndPointID || call.av.remoteEndpoint;
    try {
      await peer.applyAnswer(e.u8sBody);
    } catch (err) {
      console.error('ucserver: the SDP answer was refused', err);
      call.error = `SDP answer refused: ${(err as Error).message}`;
      void this.hangup(call.key).catch(() => undefined);
    }
    this.#deps.changed();
  }

  #onDrop(e: AvDropCall): void {
    const avCallId = 'u8sCallID' in e.dropTarget ? e.dropTarget.u8sCallID : e.dropTarget.connectionID.u8sCallID;
    const call = this.#calls.byAv(avCallId);
    if (!call?.av) return;
    call.av.ended = true;
    call.av.dropCause = e.u8sCause;
    call.av.dropReason = e.iAvDropReason;
    call.cause ??= e.u8sCause;
    endMedia(call);
    this.#scheduleLocalEnd(call, e.u8sCause);
  }

  async #onCallMessage(e: AvCallMessage): Promise<void> {
    const call = this.#calls.byAv(e.u8sCallID);
    if (!call?.av) return;
    if (e.messageType === AvMessageType.remoteAccept) {
      if (call.state === 'offering' || !call.av.answered) await this.answer(call.key).catch((err: unknown) => console.warn('ucserver: remote answer failed', err));
    } else if (e.messageType === AvMessageType.iceCandidate && e.iceCandidate) {
      await call.av.peer?.addRemoteCandidate(e.iceCandidate).catch((err: unknown) => console.warn('ucserver: remote candidate refused', err));
    } else if (e.messageType === AvMessageType.reinviteOffer && e.u8sBody && call.av.peer) {
      // The server re-offers (the far end added or removed video): answer, or decline with the reason.
      const av = call.av;
      const base = { u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri };
      try {
        const answer = await av.peer!.answerReoffer(e.u8sBody);
        this.#deps.connected()?.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.reinviteAnswer, u8sContentType: 'application/sdp', u8sBody: answer });
      } catch (err) {
        console.warn('ucserver: the server re-offer was refused', err);
        this.#deps.connected()?.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.renegotiateDecline, u8sBody: (err as Error).message.slice(0, 200) });
      }
      this.#deps.changed();
    } else if (e.messageType === AvMessageType.reinviteAnswer || e.messageType === AvMessageType.renegotiateDecline) {
      const answered = e.messageType === AvMessageType.reinviteAnswer && e.u8sBody;
      await call.av.peer?.settleReoffer(answered ? { answer: e.u8sBody! } : { declined: e.u8sBody ?? 'no reason' });
    }
  }

  /** The call's peer connection, signalled through this softphone. */
  #newPeer(call: PhoneCall): CallPeer {
    const av = call.av!;
    const peer = new CallPeer({ iceServers: this.#deps.iceServers(), devices: this.#deps.devices, audioContext: this.#deps.audioContext }, {
      candidates: () => this.#flushTrickle(call),
      icefailed: () => {
        // The network under the call changed (a new Wi-Fi, a VPN): restart ICE once rather than lose the call.
        if (!av.ended) void this.restartIce(call.key).catch((err: unknown) => console.warn('ucserver: ICE restart failed', err));
      },
      change: () => this.#deps.changed(),
    });
    av.peer = peer;
    return peer;
  }

  /** Sends the local candidates the peer gathered since our SDP went out, once the call has its AV id. */
  #flushTrickle(call: PhoneCall): void {
    const av = call.av;
    const conn = this.#deps.connected();
    if (!av?.callId || !av.peer || !conn) return;
    for (const c of av.peer.takeCandidates()) {
      const base = { u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri };
      if (c && c.candidate) {
        conn.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.iceCandidate, iceCandidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 } });
      } else if (!c) {
        conn.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.iceCandidateEnd });
      }
    }
  }

  #fail(call: PhoneCall, err: unknown): void {
    const text = err instanceof EnetucError ? err.text : (err as Error).message ?? String(err);
    call.error = text.charAt(0).toUpperCase() + text.slice(1);
    call.cause ??= call.error;
    endMedia(call);
    if (!call.id) moveTo(call, 'failed');
    this.#deps.updateTones();
    this.#deps.changed();
  }

  /** After a local hang-up/reject or a drop from the server: if CTI never confirms, end it here. */
  #scheduleLocalEnd(call: PhoneCall, cause: string): void {
    window.setTimeout(() => {
      if (isEnded(call)) return;
      call.cause ??= cause;
      moveTo(call, call.id ? 'destroyed' : 'failed');
      this.#deps.updateTones();
      this.#deps.changed();
    }, call.id ? LOCAL_END_FALLBACK_MS : 0);
  }
}
