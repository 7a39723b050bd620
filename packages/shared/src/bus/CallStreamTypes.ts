// Contract of CallStream: what it needs of its BusClient.
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Subjects } from './subjects.ts';

export interface CallStreamHost {
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  logger: Logger;
  /** Replicas of the streams it creates (BusClientOptions.streamReplicas). */
  replicas: number;
  /** Validates a received message; undefined (logged and counted) when it is invalid. */
  decode<S extends z.ZodType>(subject: string, schema: S, data: Uint8Array): { value: z.output<S> } | undefined;
  invalid(subject: string, message: string): void;
  handlerError(subject: string, error: Error): void;
  closed(): boolean;
}
