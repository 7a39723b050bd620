// The commands of one namespace on one bus, as its callers and its server see them: the subject is built
// from the command (and the node id, for media nodes), so a call site names only the command.
import type { z } from 'zod';
import { InternalError } from '../errors.ts';
import type { Command, CommandHandler, CommandHandlers, CommandNamespace } from './contract.ts';
import type { BusPeerTransport, RequestOptions, ServeTableOptions } from './BusPeerTypes.ts';
import type { SubscribeOptions, Unsubscribe } from './BusClientTypes.ts';

export class BusPeer<N extends CommandNamespace> {
  readonly #transport: BusPeerTransport;
  readonly #subjectOf: (cmd: Command) => string;

  /** Built by {@link BusClient} (`bus.pbx`, `bus.media(nodeId)`, …); not for services to construct. */
  constructor(transport: BusPeerTransport, subjectOf: (cmd: Command) => string) {
    this.#transport = transport;
    this.#subjectOf = subjectOf;
  }

  /** Request/reply. Rejects with BusTimeoutError, BusNoRespondersError or BusRemoteError (the handler's error). */
  async request<C extends Command<N>>(cmd: C, payload: z.input<C['request']>, options: RequestOptions = {}): Promise<z.output<C['reply']>> {
    return (await this.#transport.request(this.#subjectOf(cmd), cmd, payload, options)) as z.output<C['reply']>;
  }

  /**
   * Serves a command. The handler's return value is the reply; a thrown UcsError travels back with its
   * code, anything else as an internal error. Invalid requests are answered with
   * UCS_ERR_BUS_PAYLOAD_INVALID (and counted) instead of reaching the handler.
   */
  serve<C extends Command<N>>(cmd: C, handler: CommandHandler<C>, options: SubscribeOptions = {}): Unsubscribe {
    return this.#transport.serve(this.#subjectOf(cmd), cmd, handler as CommandHandler<Command>, options);
  }

  /**
   * Serves every command of a table (e.g. `PbxCommands`) with its handler. `onError` sees each failure
   * (for logs and metrics) before it travels back to the caller.
   */
  serveTable<T extends Record<string, Command<N>>>(commands: T, handlers: CommandHandlers<T>, options: ServeTableOptions<T> = {}): Unsubscribe[] {
    const { onError, ...subscribe } = options;
    return (Object.keys(commands) as Array<keyof T & string>).map((name) => {
      const handler = handlers[name] as CommandHandler<Command>;
      const cmd: Command<N> = commands[name]!;
      return this.serve(cmd, async (request) => {
        try {
          return await handler(request);
        } catch (err) {
          onError?.(name, request as { callId?: string }, err instanceof Error ? err : new InternalError(String(err)));
          throw err;
        }
      }, subscribe);
    });
  }
}
