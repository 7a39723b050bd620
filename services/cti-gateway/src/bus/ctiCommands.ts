import { CtiCommands, type BusClient, type CommandHandlers, type Unsubscribe } from '@ucserver/shared';

/**
 * Serves the commands the pbx-adapter sends the gateway (CtiCommands) with the given handlers, in the
 * `cti-gateway` queue group so that one of several gateways answers each request.
 */
export function serveCtiCommands(bus: BusClient, handlers: CommandHandlers<typeof CtiCommands>): Unsubscribe[] {
  return bus.cti.serveTable(CtiCommands, handlers, { queue: 'cti-gateway' });
}
