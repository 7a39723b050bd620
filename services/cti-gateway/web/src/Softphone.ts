import type { AudioDevices } from './AudioDevices.ts';
import { AvCalls } from './AvCalls.ts';
import { AvReattach } from './AvReattach.ts';
import { CallList } from './CallList.ts';
import type { RtpStats, VideoStats } from './CallPeerTypes.ts';
import type { EnetucConnection, ServerEvent } from './EnetucConnection.ts';
import {
  LineOpenStatus,
  optionalParam,
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
import { endMedia, moveTo, numberOf } from './phoneCalls.ts';
import type { PhoneCall, PhoneLine } from './SoftphoneTypes.ts';
import type { ToneLevel } from './ToneMeter.ts';

export interface SoftphoneDeps {
  devices: AudioDevices;
  ring: RingTone;
  audioContext: () => AudioContext;
}

/**
 * The softphone's model: lines, calls and journal of the logged-in user, driven by ENetUC events (CTI
 * line monitors, AV signalling, journal events) and the user's actions. The calls with their media on
 * this page (AV signalling, each with its CallPeer) are AvCalls'; CTI controls the others. Emits `change`
 * after every update.
 */
export class Softphone extends EventTarget {
  readonly #deps: SoftphoneDeps;
  #conn: EnetucConnection | undefined;
  #iceServers: RTCIceServer[] = [];
  readonly #lines = new Map<string, PhoneLine>();
  readonly #calls = new CallList();
  readonly #journal = new Map<string, JournalEntry>();
  #notifyQueued = false;
  readonly #av: AvCalls;
  readonly #reattach: AvReattach;
  readonly #onEvent = (e: Event): void => this.#handle((e as CustomEvent<ServerEvent>).detail);

  constructor(deps: SoftphoneDeps) {
    super();
    this.#deps = deps;
    this.#av = new AvCalls({
      calls: this.#calls,
      devices: deps.devices,
      audioContext: deps.audioContext,
      connection: () => this.#require(),
      connected: () => this.#conn,
      iceServers: () => this.#iceServers,
      lineUri: (uri) => ((uri && this.#lines.get(uri)) || this.lines[0])?.uri ?? uri ?? '',
      changed: () => this.#changed(),
      updateTones: () => this.#updateTones(),
    });
    this.#reattach = new AvReattach({ calls: this.#calls, changed: () => this.#changed(), updateTones: () => this.#updateTones() });
  }

  get lines(): PhoneLine[] {
    return [...this.#lines.values()];
  }

  /** Calls, newest first: running ones and the last few ended ones. */
  get calls(): PhoneCall[] {
    return this.#calls.all;
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
    // Calls kept through the loss of the last connection (their media ran on) go on through this one.
    await this.#reattach.reattach(conn);
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

  /**
   * The connection is gone: every call ends locally (the server hangs them up), except, with `keepCalls`,
   * the answered ones whose media runs: they wait for the next session to re-attach them (AvReattach).
   */
  detach(reason: string, options: { keepCalls?: boolean } = {}): void {
    this.#conn?.removeEventListener('event', this.#onEvent);
    this.#conn = undefined;
    for (const call of this.#calls.running) {
      if (options.keepCalls && this.#reattach.keep(call)) continue;
      endMedia(call);
      call.cause ??= reason;
      moveTo(call, 'destroyed');
    }
    for (const line of this.#lines.values()) line.monitorId = undefined;
    this.#updateTones();
    this.#changed();
  }

  /** Forgets everything (log out). */
  reset(): void {
    this.#reattach.clear('logged out');
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
  dial(number: string, lineUri?: string): Promise<PhoneCall> {
    return this.#av.dial(number, lineUri);
  }

  /** Accepts a ringing call: on this softphone when it carries the offer, else by CTI (another device). */
  answer(key: string): Promise<void> {
    return this.#av.answer(key);
  }

  /** Declines a ringing call (the caller gets "rejected"). */
  reject(key: string): Promise<void> {
    return this.#av.reject(key);
  }

  /** Hangs up (or cancels an unanswered outgoing call). */
  hangup(key: string): Promise<void> {
    return this.#av.hangup(key);
  }

  async hold(key: string, hold = true): Promise<void> {
    const call = this.#calls.require(key);
    if (!call.id) throw new Error('the call has no id yet');
    await this.#require().invoke('asnCtiHold', { bHold: hold, u8sConnectionID: call.id });
  }

  /** Blind transfer of a connected call to `number` (the server sends REFER; our call ends once the target answers). */
  async transfer(key: string, number: string): Promise<void> {
    const call = this.#calls.require(key);
    if (!call.id) throw new Error('the call has no id yet');
    const target = number.trim();
    if (!target) throw new Error('enter the number to transfer to');
    try {
      await this.#require().invoke('asnCtiRedirectCall', { u8sContactID: '', u8sConnectionID: call.id, u8sPhoneNumber: target, iNumberFormat: 0 });
    } catch (err) {
      // The target's answer as the server reports it ("REFER failed: 404 (transfer target) Not Found [...]").
      const refused = /REFER failed: (\d{3}) (?:\(transfer target\) )?([^[]*)/.exec((err as Error).message ?? '');
      if (refused) throw new Error(`${target} answered ${refused[1]} ${refused[2]!.trim()}`.trim());
      throw err;
    }
  }

  /**
   * Pickup: takes the call ringing on a colleague's line `number` to our first line (asnCtiPickupCall;
   * the server checks the pickup group). The call then arrives here as an AV offer the server asks us to
   * accept (REMOTE_ACCEPT), so it is answered at once.
   */
  async pickup(number: string): Promise<void> {
    const own = this.lines[0];
    if (!own) throw new Error('no line of yours to take the call to');
    await this.#require().invoke('asnCtiPickupCall', { u8sContactID: number, u8sConnectionID: '', u8sPhoneNumber: own.uri, iNumberFormat: 0 });
  }

  /** The other running (connected or held) call on the line of `call`, if any. */
  otherCallOnLine(key: string): PhoneCall | undefined {
    const call = this.#calls.require(key);
    return this.calls.find((c) => c.key !== key && c.line === call.line && c.id && (c.state === 'connected' || c.state === 'held'));
  }

  /** Swap: the held call `key` comes back, the line's other call goes on hold (asnCtiSwapHold). */
  async swap(key: string): Promise<void> {
    const call = this.#calls.require(key);
    if (!call.id) throw new Error('the call has no id yet');
    await this.#require().invoke('asnCtiSwapHold', { u8sConnectionID: call.id });
  }

  /** Attended transfer: the held call `key` is connected to the far end of the line's other call (asnCtiMergeCalls). */
  async completeTransfer(key: string): Promise<void> {
    const call = this.#calls.require(key);
    const other = this.otherCallOnLine(key);
    if (!call.id || !other?.id) throw new Error('a second call on the line is needed');
    await this.#require().invoke('asnCtiMergeCalls', { u8sConnectionID1: call.id, u8sConnectionID2: other.id });
  }

  /** Three-party conference: the held call `key` joins the line's connected call, mixed on the server (asnCtiConference). */
  async conference(key: string): Promise<void> {
    const held = this.#calls.require(key);
    const active = this.otherCallOnLine(key);
    if (!held.id || !active?.id) throw new Error('a second call on the line is needed');
    await this.#require().invoke('asnCtiConference', { u8sConnectionID1: active.id, u8sConnectionID2: held.id });
  }

  /**
   * Callback when the busy (or unanswered) line of the ended call `key` is free again (asnCtiCompleteCall); the
   * server then has this softphone dial it. `cancel`: withdraw the request (asnCtiDropCall on the same id).
   */
  async callback(key: string, cancel = false): Promise<void> {
    const call = this.#calls.require(key);
    if (!call.id) throw new Error('the call has no id');
    if (cancel) await this.#require().invoke('asnCtiDropCall', { u8sConnectionID: call.id });
    else await this.#require().invoke('asnCtiCompleteCall', { u8sConnectionID: call.id });
    call.callback = cancel ? 'cancelled' : 'requested';
    this.#changed();
  }

  /** DTMF digits on a connected call (sent by the server as SIP INFO / RFC 4733). */
  async sendDigits(key: string, digits: string): Promise<void> {
    const call = this.#calls.require(key);
    if (!call.id) throw new Error('the call has no id yet');
    await this.#require().invoke('asnCtiDialDigits', { u8sConnectionID: call.id, iDigitMode: 2, iDigitDuration: 0, u8sDigitsToDial: digits });
  }

  /** Removes ended calls from the list. */
  clearEnded(): void {
    this.#calls.clearEnded();
    this.#changed();
  }

  /** The microphone changed: running calls switch to the new device. */
  switchMicrophone(): Promise<void> {
    return this.#av.switchMicrophone();
  }

  /** Restarts ICE on a call (default: the current one), as after a network change; see AvCalls.restartIce. */
  restartIce(key?: string): Promise<void> {
    return this.#av.restartIce(key);
  }

  /** Holds (retrieves) a call by SDP re-offer, as a WebRTC client does; see AvCalls.holdBySdp. */
  holdBySdp(hold: boolean, key?: string): Promise<void> {
    return this.#av.holdBySdp(hold, key);
  }

  /** The call whose audio is measured and whose keys the keypad sends: connected first, else the newest running one. */
  get currentCall(): PhoneCall | undefined {
    return this.#calls.current;
  }

  /** Tone analysis of the remote audio of a call (default: the current one). */
  async remoteAudioLevel(frequency: number, key?: string): Promise<ToneLevel | undefined> {
    const call = key ? this.#calls.get(key) : this.currentCall ?? this.calls.find((c) => c.av?.peer?.meter);
    return call?.av?.peer?.meter?.measure(frequency);
  }

  /** RTP counters of a call's peer connection (inbound packets/bytes, outbound packets). */
  async rtpStats(key?: string): Promise<RtpStats | undefined> {
    const call = key ? this.#calls.get(key) : this.currentCall;
    return call?.av?.peer?.rtpStats();
  }

  /** Video counters of a call's peer connection (the current call without `key`). */
  async videoStats(key?: string): Promise<VideoStats | undefined> {
    const call = key ? this.#calls.get(key) : this.currentCall;
    return call?.av?.peer?.videoStats();
  }

  /** Downgrades a call (the current call without `key`) to audio by re-offer. */
  dropVideo(key?: string): Promise<void> {
    return this.#av.dropVideo(key);
  }

  /** Upgrades a call (the current call without `key`) to video by re-offer. */
  addVideo(key?: string): Promise<void> {
    return this.#av.addVideo(key);
  }

  /** Switches the camera of a call (the current call without `key`) on or off. */
  async setCamera(on: boolean, key?: string): Promise<void> {
    const call = key ? this.#calls.get(key) : this.currentCall;
    await call?.av?.peer?.setCamera(on);
  }

  // ------------------------------------------------------------------------------------------------
  // Server events

  #handle(event: ServerEvent): void {
    try {
      if (!this.#av.handle(event) && !this.#handleCti(event)) return;
    } catch (err) {
      console.error(`ucserver: handling ${event.name} failed`, err);
    }
    this.#updateTones();
    this.#changed();
  }

  /** The CTI monitor and journal events; false for any other event. */
  #handleCti(event: ServerEvent): boolean {
    switch (event.name) {
      case 'asnCtiNotifyLineCallInformationChanged':
        this.#applyCallInfo((event.argument as CallInformationChanged).callinformation);
        return true;
      case 'asnCtiNotifyLineInfoChanged':
        this.#updateLine((event.argument as LineInfoChanged).lineInfo);
        return true;
      case 'asnCtiNotifyMonitorStopped':
        if (this.#conn) void this.start(this.#conn).catch((err: unknown) => console.warn('ucserver: re-reading lines failed', err));
        return true;
      case 'asnJournalEntryChanged': {
        const e = event.argument as JournalEntryChanged;
        if (e.iFlags === 3) this.#journal.delete(e.journalEntry.u8sConnectionID);
        else this.#journal.set(e.journalEntry.u8sConnectionID, e.journalEntry);
        return true;
      }
      default:
        return false;
    }
  }

  #applyCallInfo(ci: CallInformationChanged['callinformation']): void {
    const call = this.#calls.applyCallInfo(ci);
    if (call?.state === 'destroyed') endMedia(call);
  }

  // ------------------------------------------------------------------------------------------------
  // Model

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

  #require(): EnetucConnection {
    if (!this.#conn || this.#conn.closed) throw new Error('not connected to the server');
    return this.#conn;
  }

  /** Ring while a call offered to this softphone waits; ringback while the far end rings. */
  #updateTones(): void {
    const running = this.#calls.running;
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
