import { randomUUID } from 'node:crypto';
import { excerpt, type CallEvent, type LineConfig, type LineRegistrationState } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { AsnCtiCallInfoChangedReason, AsnCtiLineAddRemove, type AsnLineForward, type EventHandlers, type InvokeHandlers } from '../protocol/mod.ts';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { LineForward } from '../lines/LineRoutingTypes.ts';
import type { LineView } from '../lines/LineStore.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiError, CtiRequestError } from '../session/CtiRequestError.ts';
import { CallCompletion } from './CallCompletion.ts';
import { CtiPickup } from './CtiPickup.ts';
import { LineCallFeatures } from './LineCallFeatures.ts';
import { callInformation, changeReason, dialTarget, lineInfo, lineNumberFrom, linePhoneNumber } from './ctiMapping.ts';
import { CtiConference } from './CtiConference.ts';
import { sendConferenceNotice } from './conferenceEvents.ts';
import type { CtiServiceDeps } from './CtiServiceTypes.ts';
import { forwardModeFrom, lineForwards } from './forwardMapping.ts';

interface Monitor {
  crossRefId: string;
  session: ClientSession;
  lineId: string;
  number: string;
}

interface MonitorState {
  monitors: Map<string, Monitor>;
  /** asnCtiEnumPhoneLines with attachChangeNotify=1: cross-ref id and scope. */
  lineListNotify?: { crossRefId: string; scope: 'own' | 'all' };
}

const FEATURE = 'cti';

/**
 * ENetUC CTI: line enumeration, monitors and their events, and call control on behalf of a line's
 * owner. A user controls only their own lines; admins control every line. Call control goes to the
 * pbx-adapter (PbxClient); a refused command reaches the client as AsnRequestError 1 (generalerror).
 */
export class CtiService {
  readonly #deps: CtiServiceDeps;
  /** lineId → monitors on it, across sessions. */
  readonly #byLine = new Map<string, Set<Monitor>>();
  /** CTI make-call requests waiting for their first call event: callId → requesting session. */
  readonly #makeCallRequests = new Map<string, { session: ClientSession; line: string; expires: number }>();
  readonly #conference: CtiConference;
  readonly #pickup: CtiPickup;
  readonly #completion: CallCompletion;
  readonly #features = new LineCallFeatures();

  constructor(deps: CtiServiceDeps) {
    this.#deps = deps;
    this.#completion = new CallCompletion({ calls: deps.calls, lines: deps.lines, routing: deps.routing, devices: deps.devices, logger: deps.logger }, deps.completion);
    this.#conference = new CtiConference({
      pbx: deps.pbx, media: deps.media, calls: deps.calls, logger: deps.logger,
      notify: (call, conferenced) => this.#onCallData(call, conferenced),
      announce: (notice) => {
        for (const m of this.#byLine.get(notice.controller.lineId) ?? []) sendConferenceNotice(m.session, m.crossRefId, notice);
      },
    });
    this.#pickup = new CtiPickup({ calls: deps.calls, lines: deps.lines, groups: deps.pickupGroups, softphones: deps.pickup, logger: deps.logger });
    deps.calls.on('callchanged', (call, event, previous, remoteChanged) => this.#onCall(call, event, previous, remoteChanged));
    deps.calls.on('callmoved', (call, from) => this.#onCallMoved(call, from));
    deps.calls.on('mediapath', (call) => this.#onCallData(call));
    deps.registrations.on('changed', (state) => void this.#onRegistration(state).catch((err: unknown) => deps.logger.warn({ err }, 'line info event failed')));
    deps.lines.on('upsert', (line) => void this.#onLineChanged(line.lineId, 'upsert').catch((err: unknown) => deps.logger.warn({ err }, 'line change event failed')));
    deps.lines.on('remove', (lineId, removed) => void this.#onLineChanged(lineId, 'remove', removed).catch((err: unknown) => deps.logger.warn({ err }, 'line removal event failed')));
    deps.sessions.on('sessionclose', (s) => this.#dropSession(s));
  }

  #state(session: ClientSession): MonitorState {
    let st = session.features.get(FEATURE) as MonitorState | undefined;
    if (!st) session.features.set(FEATURE, (st = { monitors: new Map() }));
    return st;
  }

  /** The line a client names, if the session's user may use it. */
  async #resolveLine(session: ClientSession, descriptor: string): Promise<LineView> {
    const number = lineNumberFrom(descriptor);
    const line = number === undefined ? undefined : await this.#deps.lines.get(number);
    if (!line) throw new CtiRequestError(CtiError.invalidline, `unknown line '${excerpt(descriptor)}'`);
    this.#assertMayUse(session.requireUser, line);
    return line;
  }

  #assertMayUse(user: UserRow, line: { ownerUserId: string | null; number: string }): void {
    if (user.role !== 'admin' && line.ownerUserId !== user.id) {
      throw new CtiRequestError(CtiError.accessdenied, `line ${line.number} is not assigned to '${user.login}'`);
    }
  }

  /** A running call the session's user may control. */
  async #resolveCall(session: ClientSession, connectionId: string): Promise<ActiveCall> {
    const call = this.#deps.calls.get(connectionId);
    if (!call || call.state === 'disconnected') throw new CtiRequestError(CtiError.generalerror, `no active call '${excerpt(connectionId)}'`);
    const line = await this.#deps.lines.getById(call.lineId);
    if (!line) throw new CtiRequestError(CtiError.invalidline, `the line of call '${excerpt(connectionId)}' no longer exists`);
    this.#assertMayUse(session.requireUser, line);
    return call;
  }

  close(): void {
    this.#completion.close();
  }

  #lineFacts(line: LineView): ReturnType<typeof lineInfo> {
    return lineInfo({ number: line.number, displayName: line.displayName, enabled: line.enabled }, this.#deps.registrations.get(line.id));
  }

  #callsOn(lineId: string): ActiveCall[] {
    return this.#deps.calls.onLine(lineId);
  }

  operations(): { invokes: Partial<InvokeHandlers<ClientSession>>; events: Partial<EventHandlers<ClientSession>> } {
    return {
      invokes: {
        asnCtiEnumPhoneLines: async (arg, session) => {
          const user = session.requireUser;
          const system = arg.typeofLines === 2 || arg.typeofLines === 3;
          if (system && user.role !== 'admin') throw new CtiRequestError(CtiError.accessdenied, 'system lines are visible to administrators only');
          const all = await this.#deps.lines.list();
          const lines = system || (user.role === 'admin' && arg.typeofLines === 1) ? all : all.filter((l) => l.ownerUserId === user.id);
          let crossRefId: string | undefined;
          if (arg.attachChangeNotify === 1) {
            crossRefId = `LL-${randomUUID()}`;
            this.#state(session).lineListNotify = { crossRefId, scope: lines === all ? 'all' : 'own' };
          }
          return { seqLines: lines.map((l) => this.#lineFacts(l)), ...(crossRefId ? { u8sLineMonitorCrossRefID: crossRefId } : {}) };
        },

        asnCtiLineMonitorStart: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sLinePhoneNumber);
          const monitor: Monitor = { crossRefId: `MCR-${randomUUID()}`, session, lineId: line.id, number: line.number };
          this.#state(session).monitors.set(monitor.crossRefId, monitor);
          let set = this.#byLine.get(line.id);
          if (!set) this.#byLine.set(line.id, (set = new Set()));
          set.add(monitor);
          return {
            u8sMonitorCrossRefID: monitor.crossRefId,
            lineInfo: this.#lineFacts(line),
            seqCalls: this.#callsOn(line.id).map((c, _, all) => callInformation(c, 'current', all)),
            ...(await this.#routingFacts(line.id)),
          };
        },

        asnCtiLineMonitorStop: (arg, session) => {
          const monitor = this.#state(session).monitors.get(arg.u8sMonitorCrossRefID);
          if (!monitor) throw new CtiRequestError(CtiError.generalerror, `no monitor '${excerpt(arg.u8sMonitorCrossRefID)}' on this connection`);
          this.#removeMonitor(monitor);
          return {};
        },

        asnCtiSnapshotPhoneLine: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sLinePhoneNumber);
          return {
            lineInfo: this.#lineFacts(line),
            seqCalls: this.#callsOn(line.id).map((c, _, all) => callInformation(c, 'current', all)),
            ...(await this.#routingFacts(line.id)),
          };
        },

        asnCtiLineSetDoNotDisturb: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sLinePhoneNumber);
          await this.#deps.routing.setDnd(line.id, arg.bDoNotDisturb);
          this.#notifyDnd(line.id, line.number, arg.bDoNotDisturb);
          return {};
        },

        asnCtiSetForward: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sPhoneNumberFrom);
          const modeParam = arg.optionalParams?.['ForwardMode'];
          const mode = forwardModeFrom(typeof modeParam === 'number' ? modeParam : undefined);
          if (!mode || (modeParam !== undefined && typeof modeParam !== 'number')) throw new CtiRequestError(CtiError.generalerror, `unsupported ForwardMode '${excerpt(String(modeParam))}' (1 immediate, 2 busy, 3 no answer)`);
          const destination = dialTarget(arg.u8sPhoneNumberTo);
          if (!destination) throw new CtiRequestError(CtiError.generalerror, `cannot forward to '${excerpt(arg.u8sPhoneNumberTo)}'`);
          if (destination === line.number) throw new CtiRequestError(CtiError.generalerror, `line ${line.number} cannot forward to itself`);
          const time = arg.optionalParams?.['NoAnswerTime'];
          const noAnswerS = mode === 'no-answer' && typeof time === 'number' ? Math.min(300, Math.max(0, Math.trunc(time))) : 0;
          const { replaced, state } = await this.#deps.routing.setForward(line.id, { mode, destination, noAnswerS });
          this.#notifyForwards(line.id, line.number, state.forwards);
          // bExistingForwardingChanged: true when this is the first forward or replaced one (ASN.1 comment).
          return { bSuccess: true, bExistingForwardingChanged: replaced || state.forwards.length === 1 };
        },

        asnCtiRemoveForward: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sPhoneNumberFrom);
          const modeParam = arg.optionalParams?.['ForwardMode'];
          const destParam = arg.optionalParams?.['ForwardDestination'];
          const mode = modeParam === undefined ? undefined : forwardModeFrom(typeof modeParam === 'number' ? modeParam : -1);
          if (modeParam !== undefined && !mode) throw new CtiRequestError(CtiError.generalerror, `unsupported ForwardMode '${excerpt(String(modeParam))}'`);
          const destination = typeof destParam === 'string' ? (dialTarget(destParam) ?? destParam) : undefined;
          const removed = await this.#deps.routing.removeForward(line.id, { mode, destination });
          if (removed) this.#notifyForwards(line.id, line.number, (await this.#deps.routing.get(line.id)).forwards);
          return { bSuccess: removed };
        },

        asnCtiMakeCall: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sPhoneNumberFrom);
          const target = dialTarget(arg.u8sPhoneNumberTo);
          if (!target) throw new CtiRequestError(CtiError.generalerror, `cannot dial '${excerpt(arg.u8sPhoneNumberTo)}'`);
          if (!line.enabled) throw new CtiRequestError(CtiError.generalerror, `line ${line.number} is disabled`);
          const callId = await this.#deps.devices.remoteMakeCall(line, target);
          this.#makeCallRequests.set(callId, { session, line: line.number, expires: Date.now() + 120_000 });
          this.#pruneMakeCallRequests();
          return { u8sConnectionID: callId };
        },

        asnCtiAnswerCall: async (arg, session) => {
          const call = await this.#resolveCall(session, arg.u8sConnectionID);
          if (call.state !== 'offering') throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' is not ringing`);
          this.#deps.devices.remoteAnswer(call);
          return { bSuccess: true };
        },

        asnCtiDropCall: async (arg, session) => {
          // The id of a call whose callback is pending (asnCtiCompleteCall): dropping it cancels the callback.
          if (await this.#completion.cancel(arg.u8sConnectionID, session.requireUser, (u, l) => this.#assertMayUse(u, l))) return { bSuccess: true };
          const call = await this.#resolveCall(session, arg.u8sConnectionID);
          await this.#deps.pbx.drop(call.callId, call.state === 'offering' ? 'decline' : 'normal');
          return { bSuccess: true };
        },

        asnCtiLineDropCall: async (arg, session) => {
          const line = await this.#resolveLine(session, arg.u8sLineDescriptor);
          const calls = this.#callsOn(line.id);
          const call = calls.find((c) => c.state === 'connected') ?? calls.find((c) => c.state !== 'held') ?? calls[0];
          if (!call) throw new CtiRequestError(CtiError.generalerror, `no call on line ${line.number}`);
          await this.#deps.pbx.drop(call.callId, call.state === 'offering' ? 'decline' : 'normal');
          return { bSuccess: true };
        },

        asnCtiHold: async (arg, session) => {
          const call = await this.#resolveCall(session, arg.u8sConnectionID);
          // Our own hold is separate from the far end's: a call the other party holds can be held here too,
          // and only our own hold can be retrieved.
          const mayHold = call.state === 'connected' || (call.state === 'held' && call.hold === 'remote');
          const mayRetrieve = call.state === 'held' && (call.hold === 'local' || call.hold === 'both' || call.hold === undefined);
          if (arg.bHold ? !mayHold : !mayRetrieve) {
            const held = call.state === 'held' && call.hold ? ` (held: ${call.hold})` : '';
            throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' is ${call.state}${held}, cannot ${arg.bHold ? 'hold' : 'retrieve'} it`);
          }
          await this.#deps.pbx.hold(call.callId, arg.bHold);
          return { bSuccess: true };
        },

        asnCtiSwapHold: async (arg, session) => {
          const held = await this.#resolveCall(session, arg.u8sConnectionID);
          if (held.state !== 'held' || held.hold === 'remote') throw new CtiRequestError(CtiError.generalerror, `call '${held.callId}' is not held here, nothing to swap to`);
          // The other call of the line that is talking now goes on hold first, then the held one comes back.
          const active = this.#callsOn(held.lineId).find((c) => c.callId !== held.callId && c.state === 'connected');
          if (active) await this.#deps.pbx.hold(active.callId, true);
          await this.#deps.pbx.hold(held.callId, false);
          return { bSuccess: true };
        },

        // Attended transfer: the held call is transferred to the far end of the other (REFER with Replaces).
        asnCtiMergeCalls: async (arg, session) => {
          const one = await this.#resolveCall(session, arg.u8sConnectionID1);
          const two = await this.#resolveCall(session, arg.u8sConnectionID2);
          const talking = (c: typeof one): boolean => c.state === 'connected' || c.state === 'held';
          if (one.callId === two.callId || one.lineId !== two.lineId || !talking(one) || !talking(two)) {
            throw new CtiRequestError(CtiError.generalerror, 'merging needs two connected or held calls of the same line');
          }
          const [transferred, consulted] = one.state === 'held' || two.state !== 'held' ? [one, two] : [two, one];
          await this.#deps.pbx.redirect(transferred.callId, consulted.remoteNumber, consulted.callId);
          return { bSuccess: true };
        },

        // Three-party conference of the line's active call (1) and its held call (2), mixed on the media node.
        asnCtiConference: async (arg, session) => {
          const one = await this.#resolveCall(session, arg.u8sConnectionID1);
          const two = await this.#resolveCall(session, arg.u8sConnectionID2);
          if (one.callId === two.callId) throw new CtiRequestError(CtiError.generalerror, 'a conference needs two different calls');
          await this.#conference.start(one, two);
          return { bSuccess: true };
        },

        asnCtiRedirectCall: async (arg, session) => {
          const call = await this.#resolveCall(session, arg.u8sConnectionID);
          const target = dialTarget(arg.u8sPhoneNumber);
          if (!target) throw new CtiRequestError(CtiError.generalerror, `cannot redirect to '${excerpt(arg.u8sPhoneNumber)}'`);
          await this.#deps.pbx.redirect(call.callId, target);
          return { bSuccess: true };
        },

        asnCtiPickupCall: async (arg, session) => {
          await this.#pickup.pickup(arg, session.requireUser, (descriptor) => this.#resolveLine(session, descriptor));
          return { bSuccess: true };
        },

        // Callback when the line a call found busy (or unanswered) is free again: CallCompletion.
        asnCtiCompleteCall: async (arg, session) => {
          await this.#completion.request(arg.u8sConnectionID, session.requireUser, (u, l) => this.#assertMayUse(u, l));
          return { bSuccess: true };
        },

        asnCtiDialDigits: async (arg, session) => {
          const call = await this.#resolveCall(session, arg.u8sConnectionID);
          if (call.state !== 'connected') throw new CtiRequestError(CtiError.generalerror, `call '${call.callId}' is not connected`);
          if (!/^[0-9*#A-Da-d]{1,64}$/.test(arg.u8sDigitsToDial)) throw new CtiRequestError(CtiError.generalerror, `invalid digits '${excerpt(arg.u8sDigitsToDial)}' (0-9 * # A-D)`);
          await this.#deps.pbx.digits(call.callId, arg.u8sDigitsToDial, arg.iDigitDuration > 0 ? Math.min(2000, Math.max(40, arg.iDigitDuration)) : undefined);
          return { bSuccess: true };
        },
      },
      events: {},
    };
  }

  async #routingFacts(lineId: string): Promise<{ iDoNotDisturb: number; seqLineForwards: AsnLineForward[]; remoteOfficeState: { u8sController: string; iEnabled: number; u8sDestination: string } }> {
    const routing = await this.#deps.routing.get(lineId);
    return { iDoNotDisturb: routing.dnd ? 1 : 0, seqLineForwards: lineForwards(routing.forwards), remoteOfficeState: { u8sController: '', iEnabled: 0, u8sDestination: '' } };
  }

  /** An admin changed the line's DND or forwards (admin API): its monitors are told as when its user does. */
  async routingChanged(lineId: string, what: { dnd: boolean; forwards: boolean }): Promise<void> {
    const line = await this.#deps.lines.getById(lineId);
    if (!line) return;
    const state = await this.#deps.routing.get(lineId);
    if (what.dnd) this.#notifyDnd(lineId, line.number, state.dnd);
    if (what.forwards) this.#notifyForwards(lineId, line.number, state.forwards);
  }

  #notifyDnd(lineId: string, number: string, dnd: boolean): void {
    for (const m of this.#byLine.get(lineId) ?? []) {
      m.session.sendEvent('asnCtiNotifyLineDoNotDisturbChanged', { u8sMonitorCrossRefID: m.crossRefId, u8sLinePhoneNumber: linePhoneNumber(number), iDoNotDisturb: dnd ? 1 : 0 });
    }
  }

  #notifyForwards(lineId: string, number: string, forwards: LineForward[]): void {
    const seqLineForwards = lineForwards(forwards);
    for (const m of this.#byLine.get(lineId) ?? []) {
      m.session.sendEvent('asnCtiNotifyLineForwardingChanged', { u8sMonitorCrossRefID: m.crossRefId, u8sLinePhoneNumber: linePhoneNumber(number), seqLineForwards });
    }
  }

  #pruneMakeCallRequests(): void {
    const now = Date.now();
    for (const [id, r] of this.#makeCallRequests) if (r.expires < now) this.#makeCallRequests.delete(id);
  }

  #onCall(call: ActiveCall, event: CallEvent, previous: CallEvent['state'] | undefined, remoteChanged: boolean): void {
    this.#completion.observe(call, event, previous);
    const request = this.#makeCallRequests.get(call.callId);
    if (request && (event.state === 'dialing' || event.state === 'disconnected')) {
      this.#makeCallRequests.delete(call.callId);
      request.session.sendEvent('asnCtiNotifyMakeCallResult', {
        u8sLinePhoneNumber: linePhoneNumber(request.line),
        u8sConnectionID: call.callId,
        success: event.state === 'dialing' ? 1 : 0,
      });
    }
    this.#notifyCall(call, previous, remoteChanged);
  }

  /** The call's new state to its line's monitors; a disconnected call is destroyed right after. */
  #notifyCall(call: ActiveCall, previous: CallEvent['state'] | undefined, remoteChanged = false): void {
    const lineCalls = this.#callsOn(call.lineId);
    const current = callInformation(call, 'current', lineCalls);
    const destroyed = call.state === 'disconnected' ? callInformation(call, 'destroyed') : undefined;
    this.#features.sent(call, current.iFeatures);
    for (const m of this.#byLine.get(call.lineId) ?? []) {
      m.session.sendEvent('asnCtiNotifyLineCallInformationChanged', {
        u8sMonitorCrossRefID: m.crossRefId,
        u8sLinePhoneNumber: linePhoneNumber(call.lineNumber),
        reason: changeReason(call, previous, 'current', remoteChanged),
        callinformation: current,
      });
      if (destroyed) {
        m.session.sendEvent('asnCtiNotifyLineCallInformationChanged', {
          u8sMonitorCrossRefID: m.crossRefId,
          u8sLinePhoneNumber: linePhoneNumber(call.lineNumber),
          reason: changeReason(call, previous, 'destroyed'),
          callinformation: destroyed,
        });
      }
    }
    this.#notifySiblingFeatures(call, lineCalls);
  }

  #notifySiblingFeatures(call: ActiveCall, lineCalls: readonly ActiveCall[]): void {
    this.#features.notifySiblings(call, lineCalls, this.#byLine.get(call.lineId) ?? []);
  }

  /**
   * A pickup moved the call away from line `from`: for that line's monitors it ends there (disconnected,
   * cause 'picked-up', PickedUpBy the picker's line; then destroyed). The new line's monitors hear of it
   * through the event that moved it.
   */
  #onCallMoved(call: ActiveCall, from: { lineId: string; lineNumber: string }): void {
    const gone: ActiveCall = {
      ...call, lineId: from.lineId, lineNumber: from.lineNumber, state: 'disconnected', cause: 'picked-up',
      disconnectedAt: Date.now(), pickedUpFrom: undefined, pickedUpBy: call.lineNumber,
    };
    this.#notifyCall(gone, call.state);
  }

  /** Something other than the state changed (media path; a conference ended): the whole record, reason 15; joined a conference: reason 4. */
  #onCallData(call: ActiveCall, conferenced = false): void {
    if (call.state === 'disconnected') return;
    const lineCalls = this.#callsOn(call.lineId);
    const callinformation = callInformation(call, 'current', lineCalls);
    this.#features.sent(call, callinformation.iFeatures);
    for (const m of this.#byLine.get(call.lineId) ?? []) {
      m.session.sendEvent('asnCtiNotifyLineCallInformationChanged', {
        u8sMonitorCrossRefID: m.crossRefId,
        u8sLinePhoneNumber: linePhoneNumber(call.lineNumber),
        reason: conferenced ? AsnCtiCallInfoChangedReason.reasonCallConferenced : AsnCtiCallInfoChangedReason.reasonCallDataChanged,
        callinformation,
      });
    }
    this.#notifySiblingFeatures(call, lineCalls);
  }

  async #onRegistration(state: LineRegistrationState): Promise<void> {
    const monitors = this.#byLine.get(state.lineId);
    if (!monitors?.size) return;
    const line = await this.#deps.lines.getById(state.lineId);
    if (!line) return;
    for (const m of monitors) {
      m.session.sendEvent('asnCtiNotifyLineInfoChanged', { u8sMonitorCrossRefID: m.crossRefId, u8sLinePhoneNumber: linePhoneNumber(line.number), lineInfo: this.#lineFacts(line) });
    }
  }

  async #onLineChanged(lineId: string, kind: 'upsert' | 'remove', removed?: LineConfig): Promise<void> {
    const line = kind === 'upsert' ? await this.#deps.lines.getById(lineId) : undefined;
    for (const m of [...(this.#byLine.get(lineId) ?? [])]) {
      const stillAllowed = line && (m.session.user?.role === 'admin' || line.ownerUserId === m.session.user?.id);
      if (!line || !stillAllowed) {
        this.#removeMonitor(m);
        m.session.sendEvent('asnCtiNotifyMonitorStopped', { u8sMonitorCrossRefID: m.crossRefId });
      } else {
        m.session.sendEvent('asnCtiNotifyLineInfoChanged', { u8sMonitorCrossRefID: m.crossRefId, u8sLinePhoneNumber: linePhoneNumber(line.number), lineInfo: this.#lineFacts(line) });
      }
    }
    // Line-list subscribers (asnCtiEnumPhoneLines attachChangeNotify): an add/remove per affected scope.
    for (const session of this.#deps.sessions.all()) {
      const notify = (session.features.get(FEATURE) as MonitorState | undefined)?.lineListNotify;
      const user = session.user;
      if (!notify || !user) continue;
      const visible = line && (notify.scope === 'all' || line.ownerUserId === user.id);
      if (kind === 'upsert' && line && visible) {
        session.sendEvent('asnCtiNotifyLineAddRemove', { u8sLineMonitorCrossRefID: notify.crossRefId, u8sLinePhoneNumber: linePhoneNumber(line.number), addremove: AsnCtiLineAddRemove.added, lineInfo: this.#lineFacts(line) });
      } else if (kind === 'remove' && removed && (notify.scope === 'all' || removed.ownerUserId === user.id)) {
        const info = lineInfo({ number: removed.number, displayName: removed.displayName, enabled: false }, undefined);
        session.sendEvent('asnCtiNotifyLineAddRemove', { u8sLineMonitorCrossRefID: notify.crossRefId, u8sLinePhoneNumber: linePhoneNumber(removed.number), addremove: AsnCtiLineAddRemove.removed, lineInfo: info });
      }
    }
  }

  #removeMonitor(m: Monitor): void {
    (m.session.features.get(FEATURE) as MonitorState | undefined)?.monitors.delete(m.crossRefId);
    const set = this.#byLine.get(m.lineId);
    set?.delete(m);
    if (set?.size === 0) this.#byLine.delete(m.lineId);
  }

  #dropSession(session: ClientSession): void {
    const st = session.features.get(FEATURE) as MonitorState | undefined;
    for (const m of st?.monitors.values() ?? []) this.#removeMonitor(m);
    for (const [id, r] of this.#makeCallRequests) if (r.session === session) this.#makeCallRequests.delete(id);
  }
}
