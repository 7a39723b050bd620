import { isEnded, moveTo } from './phoneCalls.ts';
import { CallFeature, CallStateCode, CallType, optionalParam, type CallInformation } from './protocol.ts';
import type { CallState, PhoneCall } from './SoftphoneTypes.ts';

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

/** Ended calls kept in the list. */
const KEEP_ENDED = 6;

/**
 * The calls of the softphone, keyed by a local key until the CTI connection id is known (then by that id):
 * created by dialling, by an AV offer or by CTI call information, merged when a make-call result names a
 * call CTI already reported, and pruned to the last few ended ones.
 */
export class CallList {
  readonly #calls = new Map<string, PhoneCall>();
  #localKey = 0;

  /** Calls, newest first: running ones and the last few ended ones. */
  get all(): PhoneCall[] {
    return [...this.#calls.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Calls not ended, in no particular order. */
  get running(): PhoneCall[] {
    return [...this.#calls.values()].filter((c) => !isEnded(c));
  }

  /** The call whose audio is measured and whose keys the keypad sends: connected first, else the newest running one. */
  get current(): PhoneCall | undefined {
    const calls = this.all.filter((c) => !isEnded(c));
    return calls.find((c) => c.state === 'connected') ?? calls.find((c) => c.state === 'held') ?? calls[0];
  }

  get(key: string): PhoneCall | undefined {
    return this.#calls.get(key);
  }

  /** The call `key`; throws when there is none. */
  require(key: string): PhoneCall {
    const call = this.#calls.get(key);
    if (!call) throw new Error(`no call '${key}'`);
    return call;
  }

  /** The call with this CTI connection id. */
  byId(id: string): PhoneCall | undefined {
    return this.#calls.get(id) ?? [...this.#calls.values()].find((c) => c.id === id);
  }

  /** The call with this AV call id. */
  byAv(avCallId: string): PhoneCall | undefined {
    return [...this.#calls.values()].find((c) => c.av?.callId === avCallId);
  }

  /** A key for a call placed here, until its CTI id is known. */
  nextLocalKey(): string {
    return `local-${++this.#localKey}`;
  }

  add(init: Pick<PhoneCall, 'key' | 'line' | 'direction' | 'remote' | 'state'>): PhoneCall {
    const call: PhoneCall = { ...init, id: undefined, history: [init.state], features: 0, createdAt: Date.now() };
    this.#calls.set(call.key, call);
    for (const c of this.all.filter(isEnded).slice(KEEP_ENDED)) this.#calls.delete(c.key);
    return call;
  }

  /** The make-call result named the CTI id: merge with a call CTI events already created under it. */
  adopt(call: PhoneCall, id: string): PhoneCall {
    const existing = this.byId(id);
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
    if (call.state === 'calling') moveTo(call, 'dialing');
    return call;
  }

  /** A CTI call information (monitor event or snapshot): creates or updates its call; returns it, if any. */
  applyCallInfo(ci: CallInformation): PhoneCall | undefined {
    const state = STATE_BY_CODE[ci.iCallState];
    if (!state) return undefined;
    let call = this.byId(ci.u8sConnectionID);
    if (!call) {
      if (state === 'destroyed') return undefined;
      call = this.add({ key: ci.u8sConnectionID, line: ci.u8sLinePhoneNumber, direction: ci.bOutbound ? 'outbound' : 'inbound', remote: ci.u8sRemoteNumberSC, state });
      call.id = ci.u8sConnectionID;
      if (ci.utcCallCreated) call.createdAt = Date.parse(ci.utcCallCreated) || call.createdAt;
    }
    // Another far end (the call was transferred): its name, or none, replaces the old one.
    if (ci.u8sRemoteNumberSC && ci.u8sRemoteNumberSC !== call.remote) delete call.remoteName;
    if (ci.u8sRemoteNumberSC) call.remote = ci.u8sRemoteNumberSC;
    if (ci.pRemoteContact?.u8sDisplayName) call.remoteName = ci.pRemoteContact.u8sDisplayName;
    call.features = ci.iFeatures;
    // The end's features say whether a callback may be asked; the destroyed event that follows has none.
    if (state === 'disconnected' && ci.iFeatures & CallFeature.completeCall) call.completable = true;
    if (ci.iCallType === CallType.callback) {
      call.isCallback = true;
      const completed = this.byId(String(optionalParam(ci.optionalParams, 'CallbackFor') ?? ''));
      if (completed) completed.callback = 'placed';
    }
    const path = optionalParam(ci.optionalParams, 'MediaPath');
    if (path !== undefined) call.mediaPath = String(path);
    const hold = optionalParam(ci.optionalParams, 'HoldSide');
    call.holdSide = state === 'held' && hold !== undefined ? String(hold) : undefined;
    // Absent once the conference ended (a member hung up): the call is two-party again.
    const conference = optionalParam(ci.optionalParams, 'Conference');
    call.conference = conference !== undefined && state !== 'disconnected' && state !== 'destroyed' ? String(conference) : undefined;
    const by = optionalParam(ci.optionalParams, 'PickedUpBy');
    if (by !== undefined) call.pickedUpBy = String(by);
    const from = optionalParam(ci.optionalParams, 'PickedUpFrom');
    if (from !== undefined) call.pickedUpFrom = String(from);
    const cause = optionalParam(ci.optionalParams, 'DisconnectCause');
    if (cause !== undefined) call.cause = String(cause);
    if (state === 'disconnected' || state === 'destroyed') call.disconnectedReason = ci.iDisconnectedReason;
    if (ci.utcCallConnected && !call.connectedAt) call.connectedAt = Date.parse(ci.utcCallConnected) || Date.now();
    moveTo(call, state);
    return call;
  }

  /** Removes ended calls. */
  clearEnded(): void {
    for (const [key, call] of this.#calls) if (isEnded(call)) this.#calls.delete(key);
  }

  clear(): void {
    this.#calls.clear();
  }
}
