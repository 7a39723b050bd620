// Contract of BusPeer.
import type { Command, CommandHandler } from './contract.ts';
import type { SubscribeOptions, Unsubscribe } from './BusClientTypes.ts';

export interface RequestOptions {
  /** Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
}

export interface ServeTableOptions<T extends Record<string, Command>> extends SubscribeOptions {
  /** Called with each handler failure before it is answered (logging, counting by command). */
  onError?: (name: keyof T & string, request: { callId?: string }, error: Error) => void;
}

/** What a BusPeer needs of its BusClient: request and serve on an explicit subject. */
export interface BusPeerTransport {
  request(subject: string, cmd: Command, payload: unknown, options: RequestOptions): Promise<unknown>;
  serve(subject: string, cmd: Command, handler: CommandHandler<Command>, options: SubscribeOptions): Unsubscribe;
}
