// Adapter: registration states onto the bus (an event per change on lines.registration.<lineId>) and
// the LineCommands.registrations snapshot the gateway asks for.
import { LineCommands, LineTopics, type BusClient, type LineRegistrationState, type Logger, type Unsubscribe } from '@ucserver/shared';
import type { Registrations } from '../registration/Registrations.ts';

export function wireRegistrations(bus: BusClient, registrations: Registrations, logger: Logger, service?: { version: string; startedAt: number }): Unsubscribe[] {
  const log = logger.child({ component: 'registration-bus' });
  const onState = (state: LineRegistrationState): void => {
    try {
      bus.publish(LineTopics.registration, state);
    } catch (err) {
      // The bus is closed (shutdown) or the state is out of contract: nobody can be told any more.
      log.warn({ lineId: state.lineId, status: state.status, err: (err as Error).message }, 'registration state not published');
    }
  };
  registrations.on('state', onState);
  const served = bus.lines.serve(LineCommands.registrations, () => ({ states: registrations.snapshot(), ...(service ? { service } : {}) }), { queue: 'pbx-adapter' });
  return [served, { unsubscribe: () => registrations.off('state', onState) }];
}
