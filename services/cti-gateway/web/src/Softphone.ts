import type { AudioDevices } from './AudioDevices.ts';
import type { EnetucConnection, ServerEvent } from './EnetucConnection.ts';
import { EnetucError } from './EnetucError.ts';
import {
  AV_CALL_TYPE_SIP,
  AvDropReason,
  AvMessageType,
  CallStateCode,
  LineOpenStatus,
  optionalParam,
  type AvAlert,
  type AvCallMessage,
  type AvConnect,
  type AvDropCall,
  type AvMakeCallResult,
  type AvNewCall,
  type CallInformation,
  type CallInformationChanged,
  type EnumPhoneLinesResult,
  type IceServer,
  type JournalEntry,
  type JournalEntryChanged,
  type LineInfo,
  type LineInfoChanged,
  type LineMonitorStartResult,
} from './protocol.ts';
import type { RingTone } from './RingTone.ts';
import { isEnded, numberOf } from './phoneCalls.ts';
import type { AvLeg, CallSnapshot, CallState, PhoneCall, PhoneLine, RtpStats } from './SoftphoneTypes.ts';
import { ToneMeter, type ToneLevel } from './ToneMeter.ts';

const STATE_BY_CODE: Record<number, CallState> = {
  [CallStateCode.destroyed]: 'destroyed',
  [CallStateCode.offering]: 'offering',
  [CallStateCode.dialing]: 'dialing',
  [CallStateCode.ringback]: 'ringback',
  [CallStateCode.busy]: 'disconnected',
  [CallStateCode.connected]: 'connected',
  [CallStateCode.conferenced]: 'connected',
  [CallStateCode.held]: 'held',
  [CallStateCode.disconnected]: 'disconnected',
};

/** How long ICE gathering may take before the SDP goes out anyway (the rest is trickled). */
const GATHER_MS = 2500;
/** How long the media node may take to answer our re-offer before it is rolled back. */
const REOFFER_TIMEOUT_MS = 10_000;
/** A call the user hung up that the server never confirms is cleared locally after this. */
const LOCAL_END_FALLBACK_MS = 15_000;
/** Ended calls kept in the list. */
const KEEP_ENDED = 6;

export interface SoftphoneDeps {
  devices: AudioDevices;
  ring: RingTone;
  audioContext: () => AudioContext;
}

/**
 * The softphone's model: lines, calls and journal of the logged-in user, driven by ENetUC events (CTI
 * line monitors, AV signalling, journal events) and the user's actions. The WebRTC side of each call
 * lives here too (RTCPeerConnection to the media node, microphone, remote audio). Emits `change`
 * after every update.
 */
export class Softphone extends EventTarget {
  readonly #deps: SoftphoneDeps;
  #conn: EnetucConnection | undefined;
  #iceServers: RTCIceServer[] = [];
  readonly #lines = new Map<string, PhoneLine>();
  readonly #calls = new Map<string, PhoneCall>();
  readonly #journal = new Map<string, JournalEntry>();
  #localKey = 0;
  #notifyQueued = false;
  readonly #onEvent = (e: Event): void => this.#handle((e as CustomEvent<ServerEvent>).detail);

  constructor(deps: SoftphoneDeps) {
    super();
    this.#deps = deps;
  }

  get lines(): PhoneLine[] {
    return [...this.#lines.values()];
  }

  /** Calls, newest first: running ones and the last few ended ones. */
  get calls(): PhoneCall[] {
    return [...this.#calls.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get journal(): JournalEntry[] {
    return [...this.#journal.values()].sort((a, b) => b.stStartTime.localeCompare(a.stStartTime));
  }

  /** Attaches to a logged-in connection: lines and their monitors, ICE servers, journal. */
  async start(conn: EnetucConnection): Promise<void> {
    this.#conn = conn;
    conn.addEventListener('event', this.#onEvent);
    const { seqLines } = await conn.invoke<EnumPhoneLinesResult>('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
    this.#lines.clear();
    for (const info of seqLines) this.#updateLine(info);
    this.#changed();
    await Promise.all(seqLines.map(async (info) => {
      const r = await conn.invoke<LineMonitorStartResult>('asnCtiLineMonitorStart', { u8sLinePhoneNumber: info.u8sLinePhoneNumber });
      const line = this.#updateLine(r.lineInfo);
      line.monitorId = r.u8sMonitorCrossRefID;
      for (const c of r.seqCalls) this.#applyCallInfo(c);
    }));
    try {
      const { iceServers } = await conn.invoke<{ iceServers: IceServer[] }>('asnAVGetIceServers', {});
      this.#iceServers = iceServers.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) }));
    } catch (err) {
      console.warn('ucserver: no ICE servers', err);
    }
    await conn.invoke('asnJournalSubscribeEvents', { bReceiveJournalEvents: true });
    await this.refreshJournal();
    this.#changed();
  }

  /** The connection is gone: every call ends locally (the server hangs them up). */
  detach(reason: string): void {
    this.#conn?.removeEventListener('event', this.#onEvent);
    this.#conn = undefined;
    for (const call of this.#calls.values()) {
      if (isEnded(call)) continue;
      this.#closeMedia(call);
      call.cause ??= reason;
      this.#setState(call, 'destroyed');
    }
    for (const line of this.#lines.values()) line.monitorId = undefined;
    this.#updateTones();
    this.#changed();
  }

  /** Forgets everything (log out). */
  reset(): void {
    this.detach('logged out');
    this.#lines.clear();
    this.#calls.clear();
    this.#journal.clear();
    this.#changed();
  }

  async refreshJournal(): Promise<void> {
    const conn = this.#require();
    const { journalList } = await conn.invoke<{ journalList: JournalEntry[] }>('asnGetJournalEntriesV2', {
      findOptions: {
        stStartTimeFrom: '',
        stStartTimeTo: '',
        u8slistLineUserNames: [],
        u8slistPhoneNumber: [],
        u8sContactName: '',
        u8sCompanyName: '',
        u8sFilterText: '',
        iMaxNumEntries: 50,
        iFilter: 0,
      },
    });
    this.#journal.clear();
    for (const e of journalList) this.#journal.set(e.u8sConnectionID, e);
    this.#changed();
  }

  // ------------------------------------------------------------------------------------------------
  // User actions

  /** Places a softphone call from `lineUri` (default: the first line) to `number`. */
  async dial(number: string, lineUri?: string, options: { remoteControl?: boolean; ctiId?: string } = {}): Promise<PhoneCall> {
    const target = number.trim();
    if (!/^[A-Za-z0-9+*#._-]{1,64}$/.test(numberOf(target))) throw new Error(`cannot dial '${number}'`);
    const line = (lineUri && this.#lines.get(lineUri)) || this.lines[0];
    const ownUri = line?.uri ?? lineUri ?? '';
    const remoteUri = /^(tel|sips?):/i.test(target) ? target : `tel:${target}`;
    const call = this.#newCall({ key: options.ctiId ?? `local-${++this.#localKey}`, line: ownUri, direction: 'outbound', remote: numberOf(remoteUri), state: 'calling' });
    const av: AvLeg = { callId: '', ownEndpoint: '', remoteEndpoint: '', ownUri, remoteUri, remoteControl: !!options.remoteControl, alerted: false, answered: false, ended: false, sdpSent: false, trickleQueue: [], iceRestarts: 0 };
    call.av = av;
    this.#changed();
    try {
      const conn = this.#require();
      const pc = await this.#createPeer(call);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await gathered(pc, GATHER_MS);
      av.sdpSent = true;
      if (av.ended) throw new Error('hung up');
      const result = await conn.invoke<AvMakeCallResult>('asnAVMakeCallV2', {
        callType: AV_CALL_TYPE_SIP,
        u8sUriFrom: ownUri,
        u8sUriTo: remoteUri,
        u8sContentType: 'application/sdp',
        u8sBody: pc.localDescription?.sdp ?? offer.sdp ?? '',
        u8sCaps: 'HOLD',
        ...(options.remoteControl ? { bIsRemoteControlCallOut: true } : {}),
      });
      av.callId = result.callAndConnectionID.u8sCallID;
      av.ownEndpoint = result.callAndConnectionID.u8sEndpointID;
      const merged = this.#adopt(call, result.u8sCTIConnectionID);
      if (merged.av?.ended) {
        // hung up while the make-call ran
        conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: av.callId }, u8sCause: 'cancelled', iAvDropReason: AvDropReason.cancel });
      }
      this.#flushTrickle(merged);
      this.#changed();
      return merged;
    } catch (err) {
      this.#fail(call, err);
      throw err;
    }
  }

  /** Accepts a ringing call: on this softphone when it carries the offer, else by CTI (another device). */
  async answer(key: string): Promise<void> {
    const call = this.#get(key);
    const av = call.av;
    const conn = this.#require();
    if (!av?.offer) {
      if (call.id) await conn.invoke('asnCtiAnswerCall', { u8sConnectionID: call.id });
      return;
    }
    if (av.answered || av.ended) return;
    av.answered = true;
    this.#updateTones();
    this.#changed();
    try {
      const pc = await this.#createPeer(call, av.offer);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await gathered(pc, GATHER_MS);
      av.sdpSent = true;
      conn.sendEvent('asnAVConnectV2', {
        u8sCallID: av.callId,
        endpointIDTo: av.remoteEndpoint,
        connectedEndPointID: av.ownEndpoint,
        callType: AV_CALL_TYPE_SIP,
        u8sUriTo: av.remoteUri,
        u8sContentType: 'application/sdp',
        u8sBody: pc.localDescription?.sdp ?? answer.sdp ?? '',
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
    const call = this.#get(key);
    const conn = this.#require();
    if (call.av && !call.av.ended) {
      call.av.ended = true;
      conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: call.av.callId }, u8sCause: 'rejected', iAvDropReason: AvDropReason.reject });
      this.#closeMedia(call);
      this.#scheduleLocalEnd(call, 'rejected');
    } else if (call.id) {
      await conn.invoke('asnCtiDropCall', { u8sConnectionID: call.id });
    }
    this.#updateTones();
    this.#changed();
  }

  /** Hangs up (or cancels an unanswered outgoing call). */
  async hangup(key: string): Promise<void> {
    const call = this.#get(key);
    const conn = this.#require();
    if (call.av?.ended) return; // already ending: the server confirms with disconnected/destroyed
    if (call.av) {
      const av = call.av;
      av.ended = true;
      const cancel = call.direction === 'outbound' && call.state !== 'connected' && call.state !== 'held';
      if (av.callId) {
        conn.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: av.callId }, u8sCause: cancel ? 'cancelled' : 'normal call clearing', iAvDropReason: cancel ? AvDropReason.cancel : AvDropReason.normal });
      }
      this.#closeMedia(call);
      this.#scheduleLocalEnd(call, cancel ? 'cancelled' : 'normal');
    } else if (call.id && !isEnded(call)) {
      await conn.invoke('asnCtiDropCall', { u8sConnectionID: call.id });
    }
    this.#updateTones();
    this.#changed();
  }

  async hold(key: string, hold = true): Promise<void> {
    const call = this.#get(key);
    if (!call.id) throw new Error('the call has no id yet');
    await this.#require().invoke('asnCtiHold', { bHold: hold, u8sConnectionID: call.id });
  }

  /** DTMF digits on a connected call (sent by the server as SIP INFO / RFC 4733). */
  async sendDigits(key: string, digits: string): Promise<void> {
    const call = this.#get(key);
    if (!call.id) throw new Error('the call has no id yet');
    await this.#require().invoke('asnCtiDialDigits', { u8sConnectionID: call.id, iDigitMode: 2, iDigitDuration: 0, u8sDigitsToDial: digits });
  }

  /** Removes ended calls from the list. */
  clearEnded(): void {
    for (const [key, call] of this.#calls) if (isEnded(call)) this.#calls.delete(key);
    this.#changed();
  }

  /** The microphone changed: running calls switch to the new device. */
  async switchMicrophone(): Promise<void> {
    for (const call of this.#calls.values()) {
      const av = call.av;
      if (!av?.pc || av.ended) continue;
      const sender = av.pc.getSenders().find((s) => s.track?.kind === 'audio');
      if (!sender) continue;
      const stream = await this.#deps.devices.microphone();
      const track = stream.getAudioTracks()[0];
      if (!track) continue;
      await sender.replaceTrack(track);
      av.mic?.getTracks().forEach((t) => t.stop());
      av.mic = stream;
    }
  }

  /** The call whose audio is measured and whose keys the keypad sends: connected first, else the newest running one. */
  get currentCall(): PhoneCall | undefined {
    const calls = this.calls.filter((c) => !isEnded(c));
    return calls.find((c) => c.state === 'connected') ?? calls.find((c) => c.state === 'held') ?? calls[0];
  }

  /** Tone analysis of the remote audio of a call (default: the current one). */
  async remoteAudioLevel(frequency: number, key?: string): Promise<ToneLevel | undefined> {
    const call = key ? this.#calls.get(key) : this.currentCall ?? this.calls.find((c) => c.av?.meter);
    return call?.av?.meter?.measure(frequency);
  }

  snapshot(call: PhoneCall): CallSnapshot {
    const av = call.av;
    return {
      key: call.key,
      id: call.id,
      line: call.line,
      direction: call.direction,
      remote: call.remote,
      state: call.state,
      history: [...call.history],
      cause: call.cause,
      disconnectedReason: call.disconnectedReason,
      mediaPath: call.mediaPath,
      holdSide: call.holdSide,
      error: call.error,
      avCallId: av?.callId || undefined,
      avDropCause: av?.dropCause,
      avDropReason: av?.dropReason,
      iceState: av?.pc?.iceConnectionState,
      connectionState: av?.pc?.connectionState,
      hasRemoteAudio: !!av?.remoteStream?.getAudioTracks().length,
    };
  }

  /** RTP counters of a call's peer connection (inbound packets/bytes, outbound packets). */
  async rtpStats(key?: string): Promise<RtpStats | undefined> {
    const call = key ? this.#calls.get(key) : this.currentCall;
    const pc = call?.av?.pc;
    if (!pc) return undefined;
    const out: RtpStats = { packetsReceived: 0, bytesReceived: 0, packetsSent: 0, transportBytesReceived: 0, transportBytesSent: 0, codec: undefined };
    const report = await pc.getStats();
    report.forEach((s: { type: string; kind?: string; packetsReceived?: number; bytesReceived?: number; bytesSent?: number; packetsSent?: number; codecId?: string }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived ?? 0;
        out.bytesReceived += s.bytesReceived ?? 0;
        const codec = s.codecId ? (report.get(s.codecId) as { mimeType?: string } | undefined) : undefined;
        out.codec = codec?.mimeType;
      } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
        out.packetsSent += s.packetsSent ?? 0;
      } else if (s.type === 'transport') {
        out.transportBytesReceived += s.bytesReceived ?? 0;
        out.transportBytesSent += s.bytesSent ?? 0;
      }
    });
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // Server events

  #handle(event: ServerEvent): void {
    try {
      switch (event.name) {
        case 'asnCtiNotifyLineCallInformationChanged':
          this.#applyCallInfo((event.argument as CallInformationChanged).callinformation);
          break;
        case 'asnCtiNotifyLineInfoChanged':
          this.#updateLine((event.argument as LineInfoChanged).lineInfo);
          break;
        case 'asnCtiNotifyMonitorStopped':
          if (this.#conn) void this.start(this.#conn).catch((err: unknown) => console.warn('ucserver: re-reading lines failed', err));
          break;
        case 'asnAVNewCallV2':
          this.#onNewCall(event.argument as AvNewCall);
          break;
        case 'asnAVAlertV2':
          this.#onAlert(event.argument as AvAlert);
          break;
        case 'asnAVConnectV2':
          void this.#onConnect(event.argument as AvConnect);
          break;
        case 'asnAVDropCall':
          this.#onDrop(event.argument as AvDropCall);
          break;
        case 'asnAVCallMessageV2':
          void this.#onCallMessage(event.argument as AvCallMessage);
          break;
        case 'asnJournalEntryChanged': {
          const e = event.argument as JournalEntryChanged;
          if (e.iFlags === 3) this.#journal.delete(e.journalEntry.u8sConnectionID);
          else this.#journal.set(e.journalEntry.u8sConnectionID, e.journalEntry);
          break;
        }
        default:
          return;
      }
    } catch (err) {
      console.error(`ucserver: handling ${event.name} failed`, err);
    }
    this.#updateTones();
    this.#changed();
  }

  #applyCallInfo(ci: CallInformation): void {
    const state = STATE_BY_CODE[ci.iCallState];
    if (!state) return;
    let call = this.#byId(ci.u8sConnectionID);
    if (!call) {
      if (state === 'destroyed') return;
      call = this.#newCall({ key: ci.u8sConnectionID, line: ci.u8sLinePhoneNumber, direction: ci.bOutbound ? 'outbound' : 'inbound', remote: ci.u8sRemoteNumberSC, state });
      call.id = ci.u8sConnectionID;
      if (ci.utcCallCreated) call.createdAt = Date.parse(ci.utcCallCreated) || call.createdAt;
    }
    if (ci.u8sRemoteNumberSC) call.remote = ci.u8sRemoteNumberSC;
    if (ci.pRemoteContact?.u8sDisplayName) call.remoteName = ci.pRemoteContact.u8sDisplayName;
    call.features = ci.iFeatures;
    const path = optionalParam(ci.optionalParams, 'MediaPath');
    if (path !== undefined) call.mediaPath = String(path);
    const hold = optionalParam(ci.optionalParams, 'HoldSide');
    call.holdSide = state === 'held' && hold !== undefined ? String(hold) : undefined;
    const cause = optionalParam(ci.optionalParams, 'DisconnectCause');
    if (cause !== undefined) call.cause = String(cause);
    if (state === 'disconnected' || state === 'destroyed') call.disconnectedReason = ci.iDisconnectedReason;
    if (ci.utcCallConnected && !call.connectedAt) call.connectedAt = Date.parse(ci.utcCallConnected) || Date.now();
    this.#setState(call, state);
    if (state === 'destroyed') this.#closeMedia(call);
  }

  #onNewCall(e: AvNewCall): void {
    if (e.bIsRemoteControlCallOut) {
      // Third-party control: a CTI client asked this softphone to place the call.
      void this.dial(e.u8sUriTo, e.u8sUriFrom, { remoteControl: true, ctiId: e.u8sCTIConnectionID }).catch((err: unknown) => console.warn('ucserver: remote-control call failed', err));
      return;
    }
    let call = this.#byId(e.u8sCTIConnectionID);
    if (!call) {
      call = this.#newCall({ key: e.u8sCTIConnectionID, line: e.u8sUriTo, direction: 'inbound', remote: numberOf(e.u8sUriFrom), state: 'offering' });
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
      sdpSent: false,
      trickleQueue: [],
      iceRestarts: 0,
    };
    call.av = av;
    // Ringing: the server sends 180 to the PBX.
    this.#conn?.sendEvent('asnAVAlertV2', { u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri, u8sContentType: '', u8sBody: '' });
  }

  #onAlert(e: AvAlert): void {
    const call = this.#byAv(e.u8sCallID);
    if (!call?.av) return;
    call.av.alerted = true;
    if (e.endpointIDFrom) call.av.remoteEndpoint = e.endpointIDFrom;
  }

  async #onConnect(e: AvConnect): Promise<void> {
    const call = this.#byAv(e.u8sCallID);
    const pc = call?.av?.pc;
    if (!call?.av || !pc || call.direction !== 'outbound') return;
    call.av.remoteEndpoint = e.connectedEndPointID || call.av.remoteEndpoint;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: e.u8sBody });
    } catch (err) {
      console.error('ucserver: the SDP answer was refused', err);
      call.error = `SDP answer refused: ${(err as Error).message}`;
      void this.hangup(call.key).catch(() => undefined);
    }
    this.#changed();
  }

  #onDrop(e: AvDropCall): void {
    const avCallId = 'u8sCallID' in e.dropTarget ? e.dropTarget.u8sCallID : e.dropTarget.connectionID.u8sCallID;
    const call = this.#byAv(avCallId);
    if (!call?.av) return;
    call.av.ended = true;
    call.av.dropCause = e.u8sCause;
    call.av.dropReason = e.iAvDropReason;
    call.cause ??= e.u8sCause;
    this.#closeMedia(call);
    this.#scheduleLocalEnd(call, e.u8sCause);
  }

  async #onCallMessage(e: AvCallMessage): Promise<void> {
    const call = this.#byAv(e.u8sCallID);
    if (!call?.av) return;
    if (e.messageType === AvMessageType.remoteAccept) {
      if (call.state === 'offering' || !call.av.answered) await this.answer(call.key).catch((err: unknown) => console.warn('ucserver: remote answer failed', err));
    } else if (e.messageType === AvMessageType.iceCandidate && e.iceCandidate) {
      await call.av.pc?.addIceCandidate(e.iceCandidate).catch((err: unknown) => console.warn('ucserver: remote candidate refused', err));
    } else if (e.messageType === AvMessageType.reinviteAnswer || e.messageType === AvMessageType.renegotiateDecline) {
      await this.#onReofferReply(call.av, e);
    }
  }

  /**
   * Restarts ICE on a call's peer connection (new credentials, new checks), as after a network change:
   * our re-offer goes to the media node as REINVITE_OFFER; its REINVITE_ANSWER completes it, a
   * RENEGOTIATE_DECLINE rolls it back. Resolves once the answer is applied.
   */
  async restartIce(key?: string): Promise<void> {
    const call = key ? this.#calls.get(key) : this.currentCall;
    const av = call?.av;
    const pc = av?.pc;
    const conn = this.#conn;
    if (!av || !pc || !conn || av.ended || !av.callId) throw new Error('no call with media to restart');
    if (av.reoffer) throw new Error('a restart is already running');
    if (pc.signalingState !== 'stable') throw new Error(`cannot re-offer in signaling state ${pc.signalingState}`);
    av.iceRestarts += 1;
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
    await gathered(pc, GATHER_MS);
    const done = new Promise<void>((resolve, reject) => {
      // A node that never answers must not leave the call half-renegotiated.
      const timer = window.setTimeout(() => void this.#onReofferReply(av, undefined), REOFFER_TIMEOUT_MS);
      av.reoffer = { resolve, reject, timer };
    });
    conn.sendEvent('asnAVCallMessageV2', {
      u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri,
      messageType: AvMessageType.reinviteOffer, u8sContentType: 'application/sdp', u8sBody: pc.localDescription!.sdp,
    });
    return done;
  }

  /** The node's answer to our re-offer, its decline, or (undefined) no reply in time. */
  async #onReofferReply(av: AvLeg, e: AvCallMessage | undefined): Promise<void> {
    const pending = av.reoffer;
    if (!pending) return;
    av.reoffer = undefined;
    window.clearTimeout(pending.timer);
    const pc = av.pc;
    try {
      if (!pc || pc.signalingState === 'closed') throw new Error('the call ended');
      if (e?.messageType === AvMessageType.reinviteAnswer && e.u8sBody) {
        await pc.setRemoteDescription({ type: 'answer', sdp: e.u8sBody });
        pending.resolve();
        return;
      }
      await pc.setLocalDescription({ type: 'rollback' });
      throw new Error(e ? `re-offer declined: ${e.u8sBody ?? 'no reason'}` : 'no answer to the re-offer');
    } catch (err) {
      pending.reject(err as Error);
    } finally {
      this.#changed();
    }
  }

  // ------------------------------------------------------------------------------------------------
  // WebRTC

  async #createPeer(call: PhoneCall, remoteOffer?: string): Promise<RTCPeerConnection> {
    const av = call.av!;
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    av.pc = pc;
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      av.remoteStream = stream;
      this.#playRemote(av, stream);
      this.#changed();
    });
    pc.addEventListener('icecandidate', (e) => {
      if (!av.sdpSent) return;
      av.trickleQueue.push(e.candidate ? e.candidate.toJSON() : null);
      this.#flushTrickle(call);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      // The network under the call changed (a new Wi-Fi, a VPN): restart ICE once rather than lose the call.
      if (pc.iceConnectionState === 'failed' && av.iceRestarts === 0 && !av.ended) {
        void this.restartIce(call.key).catch((err: unknown) => console.warn('ucserver: ICE restart failed', err));
      }
      this.#changed();
    });
    pc.addEventListener('connectionstatechange', () => this.#changed());
    if (remoteOffer) await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
    const mic = await this.#deps.devices.microphone();
    if (av.ended) {
      mic.getTracks().forEach((t) => t.stop());
      throw new Error('the call ended');
    }
    av.mic = mic;
    for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    return pc;
  }

  #playRemote(av: AvLeg, stream: MediaStream): void {
    if (!av.audio) {
      av.audio = new Audio();
      av.audio.autoplay = true;
      void this.#deps.devices.attach(av.audio);
    }
    av.audio.srcObject = stream;
    void av.audio.play().catch((err: unknown) => console.warn('ucserver: remote audio does not play', err));
    av.meter?.close();
    try {
      const ctx = this.#deps.audioContext();
      if (ctx.state === 'suspended') void ctx.resume();
      av.meter = new ToneMeter(ctx, stream);
    } catch (err) {
      console.warn('ucserver: no level meter', err);
    }
  }

  #flushTrickle(call: PhoneCall): void {
    const av = call.av;
    const conn = this.#conn;
    if (!av?.callId || !conn) return;
    for (const c of av.trickleQueue.splice(0)) {
      const base = { u8sCallID: av.callId, endpointIDTo: av.remoteEndpoint, endpointIDFrom: av.ownEndpoint, u8sUriTo: av.remoteUri };
      if (c && c.candidate) {
        conn.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.iceCandidate, iceCandidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 } });
      } else if (!c) {
        conn.sendEvent('asnAVCallMessageV2', { ...base, messageType: AvMessageType.iceCandidateEnd });
      }
    }
  }

  #closeMedia(call: PhoneCall): void {
    const av = call.av;
    if (!av) return;
    av.ended = true;
    av.mic?.getTracks().forEach((t) => t.stop());
    av.mic = undefined;
    av.meter?.close();
    av.meter = undefined;
    if (av.audio) {
      av.audio.srcObject = null;
      this.#deps.devices.detach(av.audio);
    }
    if (av.pc && av.pc.signalingState !== 'closed') av.pc.close();
  }

  // ------------------------------------------------------------------------------------------------
  // Model

  #newCall(init: Pick<PhoneCall, 'key' | 'line' | 'direction' | 'remote' | 'state'>): PhoneCall {
    const call: PhoneCall = { ...init, id: undefined, history: [init.state], features: 0, createdAt: Date.now() };
    this.#calls.set(call.key, call);
    this.#pruneEnded();
    return call;
  }

  /** The make-call result named the CTI id: merge with a call CTI events already created under it. */
  #adopt(call: PhoneCall, id: string): PhoneCall {
    const existing = this.#byId(id);
    if (existing && existing !== call) {
      existing.av = call.av;
      existing.history = [...call.history.filter((s) => !existing.history.includes(s)), ...existing.history];
      this.#calls.delete(call.key);
      return existing;
    }
    call.id = id;
    if (call.key !== id) {
      this.#calls.delete(call.key);
      call.key = id;
      this.#calls.set(id, call);
    }
    if (call.state === 'calling') this.#setState(call, 'dialing');
    return call;
  }

  #setState(call: PhoneCall, state: CallState): void {
    if (isEnded(call) && state !== 'destroyed') return;
    call.state = state;
    if (call.history.at(-1) !== state) call.history.push(state);
    if (isEnded(call)) call.endedAt ??= Date.now();
  }

  #fail(call: PhoneCall, err: unknown): void {
    const text = err instanceof EnetucError ? err.text : (err as Error).message ?? String(err);
    call.error = text.charAt(0).toUpperCase() + text.slice(1);
    call.cause ??= call.error;
    this.#closeMedia(call);
    if (!call.id) this.#setState(call, 'failed');
    this.#updateTones();
    this.#changed();
  }

  /** After a local hang-up/reject or a drop from the server: if CTI never confirms, end it here. */
  #scheduleLocalEnd(call: PhoneCall, cause: string): void {
    window.setTimeout(() => {
      if (isEnded(call)) return;
      call.cause ??= cause;
      this.#setState(call, call.id ? 'destroyed' : 'failed');
      this.#updateTones();
      this.#changed();
    }, call.id ? LOCAL_END_FALLBACK_MS : 0);
  }

  #pruneEnded(): void {
    const ended = this.calls.filter(isEnded);
    for (const c of ended.slice(KEEP_ENDED)) this.#calls.delete(c.key);
  }

  #updateLine(info: LineInfo): PhoneLine {
    const uri = info.u8sLinePhoneNumber;
    const line = this.#lines.get(uri) ?? { uri, number: info.u8sPhoneNumber || numberOf(uri), name: '', openStatus: 0, registration: '' };
    line.name = info.u8sDescriptor;
    line.openStatus = info.iLineOpenStatus;
    const reg = optionalParam(info.optionalParams, 'RegistrationState');
    line.registration = reg !== undefined ? String(reg) : info.iLineOpenStatus === LineOpenStatus.open ? 'registered' : 'unregistered';
    this.#lines.set(uri, line);
    return line;
  }

  #byId(id: string): PhoneCall | undefined {
    return this.#calls.get(id) ?? [...this.#calls.values()].find((c) => c.id === id);
  }

  #byAv(avCallId: string): PhoneCall | undefined {
    return [...this.#calls.values()].find((c) => c.av?.callId === avCallId);
  }

  #get(key: string): PhoneCall {
    const call = this.#calls.get(key);
    if (!call) throw new Error(`no call '${key}'`);
    return call;
  }

  #require(): EnetucConnection {
    if (!this.#conn || this.#conn.closed) throw new Error('not connected to the server');
    return this.#conn;
  }

  /** Ring while a call offered to this softphone waits; ringback while the far end rings. */
  #updateTones(): void {
    const running = [...this.#calls.values()].filter((c) => !isEnded(c));
    const ringing = running.some((c) => c.state === 'offering' && c.av?.offer && !c.av.answered && !c.av.ended);
    const ringback = running.some((c) => c.state === 'ringback' && c.av && !c.av.ended);
    this.#deps.ring.play(ringing ? 'ring' : ringback ? 'ringback' : 'off');
  }

  /** Coalesces updates into one `change` per task. */
  #changed(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      this.dispatchEvent(new Event('change'));
    });
  }
}

/** Resolves when ICE gathering completed, or after `ms`. */
function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      window.clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = window.setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}
