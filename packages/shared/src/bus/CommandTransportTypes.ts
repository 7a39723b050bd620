// Contract of CommandTransport: what it needs of its BusClient.
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Runner, SubscribeOptions, Unsubscribe } from './BusClientTypes.ts';

export interface CommandTransportHost {
  nc: NatsConnection;
  logger: Logger;
  /** Timeout of a request that names none (BusClientOptions.requestTimeoutMs). */
  requestTimeoutMs: number;
  /** Throws InvalidStateError once the client is closed. */
  assertOpen(): void;
  /** A core subscription whose messages reach `onMessage` with the subscription's runner. */
  listen(subject: string, options: SubscribeOptions, mode: 'serial' | 'parallel', onMessage: (msg: Msg, run: Runner) => void): Unsubscribe;
  /** Validates a received message; undefined (logged and counted) when it is invalid. */
  decode<S extends z.ZodType>(subject: string, schema: S, data: Uint8Array): { value: z.output<S> } | undefined;
  invalid(subject: string, message: string): void;
  handlerError(subject: string, error: Error): void;
}
