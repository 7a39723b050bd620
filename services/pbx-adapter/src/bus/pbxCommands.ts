// Adapter: PbxCommands (the gateway's call control) ⇄ the CallRegistry. Payloads are validated by the
// BusClient against the contract; domain errors travel back with their codes (errors.ts).
import { PbxCommands, type BusClient, type CommandHandlers, type Logger, type Unsubscribe } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { SipTrace } from '../capture/SipTrace.ts';

export function servePbxCommands(bus: BusClient, calls: CallRegistry, trace: SipTrace, logger: Logger): Unsubscribe[] {
  const log = logger.child({ component: 'pbx-commands' });
  const done = {};
  const handlers: CommandHandlers<typeof PbxCommands> = {
    makeCall: async (r) => {
      log.info({ callId: r.callId, lineId: r.lineId, to: r.to, mediaNodeId: r.mediaNodeId }, 'make call');
      await calls.makeCall(r);
      return done;
    },
    alert: async (r) => {
      await calls.call(r.callId).alert();
      return done;
    },
    answer: async (r) => {
      await calls.call(r.callId).answer();
      return done;
    },
    drop: async (r) => {
      await calls.call(r.callId).drop(r.reason);
      return done;
    },
    hold: async (r) => {
      await calls.call(r.callId).hold(r.hold);
      return done;
    },
    video: async (r) => {
      await calls.call(r.callId).video(r.video);
      return done;
    },
    digits: async (r) => {
      await calls.call(r.callId).sendDigits(r.digits, r.durationMs);
      return done;
    },
    redirect: async (r) => {
      await calls.call(r.callId).redirect(r.target, r.replacesCallId ? calls.replacesOf(r.replacesCallId) : undefined);
      return done;
    },
    reattach: (r) => {
      calls.reattach(r.callId, r.gateway);
      return done;
    },
    pickup: (r) => {
      log.info({ callId: r.callId, lineId: r.lineId, lineNumber: r.lineNumber }, 'pickup');
      calls.pickup(r.callId, r.lineId, r.lineNumber);
      return done;
    },
    // The clock is taken before the page: a call that started before `at` and is not listed had ended.
    listCalls: (r) => {
      const at = Date.now();
      return { at, ...calls.events(r.offset, r.limit) };
    },
    // Also for an ended call: its messages stay in the trace a while.
    callSip: (r) => ({ messages: trace.messages(r.callId) }),
  };
  return bus.pbx.serveTable(PbxCommands, handlers, { queue: 'pbx-adapter' });
}
