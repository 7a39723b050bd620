// Contract of KvStore: its options and what it needs of its BusClient.
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Subjects } from './subjects.ts';

export interface KvOptions {
  /**
   * How long an entry lives after its last write (ms): the bucket's bound, so entries a writer forgot
   * cannot pile up. Required: every bucket states how long its values matter.
   */
  ttlMs: number;
  /** Bytes the bucket may hold; writes beyond it are refused. Default 64 MiB. */
  maxBytes?: number;
  /** Largest value (bytes). Default 64 KiB. */
  maxValueBytes?: number;
  /** Timeout of one write or read (ms). Default 2000. */
  timeoutMs?: number;
}

export interface KvStoreHost {
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  logger: Logger;
  /** Replicas of the streams it creates (BusClientOptions.streamReplicas). */
  replicas: number;
  /** Validates a stored value; undefined (logged and counted) when it is invalid. */
  decode<S extends z.ZodType>(subject: string, schema: S, data: Uint8Array): { value: z.output<S> } | undefined;
  closed(): boolean;
}

/** One key's value as KvStore.entry() reads it. */
export interface KvEntry<T> {
  value: T;
  /** The stream sequence of the key's last write: what KvStore.update() compares. */
  revision: number;
  /** The server's time of that write (epoch ms): the entry expires `ttlMs` after it. */
  writtenAt: number;
}
