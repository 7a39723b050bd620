// Adapter: PbxCommands (the gateway's call control) ⇄ the CallRegistry. Payloads are validated by the
// BusClient against the contract; domain errors travel back with their codes (errors.ts).
import { PbxCommands, type BusClient, type Logger, type Unsubscribe } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';

export function servePbxCommands(bus: BusClient, calls: CallRegistry, logger: Logger): Unsubscribe[] {
  const s = bus.subjects;
  const log = logger.child({ component: 'pbx-commands' });
  const options = { queue: 'pbx-adapter' };
  const done = {};
  return [
    bus.serve(s.pbx(PbxCommands.makeCall), PbxCommands.makeCall, async (r) => {
      log.info({ callId: r.callId, lineId: r.lineId, to: r.to, mediaNodeId: r.mediaNodeId }, 'make call');
      await calls.makeCall(r);
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.alert), PbxCommands.alert, async (r) => {
      await calls.call(r.callId).alert();
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.answer), PbxCommands.answer, async (r) => {
      await calls.call(r.callId).answer();
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.drop), PbxCommands.drop, async (r) => {
      await calls.call(r.callId).drop(r.reason);
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.hold), PbxCommands.hold, async (r) => {
      await calls.call(r.callId).hold(r.hold);
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.digits), PbxCommands.digits, async (r) => {
      await calls.call(r.callId).sendDigits(r.digits, r.durationMs);
      return done;
    }, options),
    bus.serve(s.pbx(PbxCommands.redirect), PbxCommands.redirect, async (r) => {
      await calls.call(r.callId).redirect(r.target);
      return done;
    }, options),
  ];
}
