// A JetStream key-value bucket as the BusClient offers it (`bus.kv(bucket, options)`): one value per key,
// validated against the bucket's schema on write and on read, every entry dropped by the server once it
// is `ttlMs` old (since its last write), the bucket bounded in bytes and value size. The layout is the NATS
// KV one (stream `KV_<bucket>`, subjects `$KV.<bucket>.<key>`, one message per subject), so operators can
// read it with `nats kv`; a delete purges the key's subject, so listing the keys needs no tombstones.
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { z } from 'zod';
import { BusPayloadError, BusTimeoutError } from '../errors.ts';
import type { KvBucket } from './contract.ts';
import type { KvEntry, KvOptions, KvStoreHost } from './KvStoreTypes.ts';

const encoder = new TextEncoder();

export class KvStore<S extends z.ZodType> {
  readonly bucket: KvBucket<S>;
  /** The bucket's JetStream name (`<PREFIX>_<NAME>`). */
  readonly name: string;
  readonly #host: KvStoreHost;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #timeoutMs: number;
  readonly #maxValueBytes: number;

  private constructor(host: KvStoreHost, jsm: JetStreamManager, bucket: KvBucket<S>, options: KvOptions) {
    this.#host = host;
    this.#jsm = jsm;
    this.bucket = bucket;
    this.name = host.subjects.kvBucket(bucket);
    this.#stream = host.subjects.kvStream(bucket);
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#maxValueBytes = options.maxValueBytes ?? 65_536;
  }

  /** Creates the bucket, or updates its limits when it exists. */
  static async open<S extends z.ZodType>(host: KvStoreHost, bucket: KvBucket<S>, options: KvOptions): Promise<KvStore<S>> {
    if (!(options.ttlMs >= 1000)) throw new TypeError(`kv bucket '${bucket.name}': ttlMs must be at least 1000, got ${options.ttlMs}`);
    const jsm = await jetstreamManager(host.nc);
    const store = new KvStore(host, jsm, bucket, options);
    const config = {
      name: store.#stream,
      subjects: [host.subjects.kvSubject(bucket)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
      max_age: options.ttlMs * 1_000_000,
      max_bytes: options.maxBytes ?? 64 * 1024 * 1024,
      max_msg_size: store.#maxValueBytes + 1024,
      // A full bucket refuses new writes instead of dropping the oldest entries (which are live values).
      discard: DiscardPolicy.New,
      allow_rollup_hdrs: true,
      deny_delete: true,
      deny_purge: false,
      allow_direct: true,
      num_replicas: host.replicas,
    };
    try {
      await jsm.streams.info(store.#stream);
      await jsm.streams.update(store.#stream, config);
    } catch (err) {
      if (!/not found/i.test((err as Error).message)) throw err;
      await jsm.streams.add(config);
    }
    return store;
  }

  /**
   * Stores `value` under `key` (replacing the previous one); rejects when the server does not take it. The
   * message is on the connection when this returns (no await before the publish), so what the caller
   * publishes next on the same connection reaches the server after it (the pbx-adapter's call snapshots
   * rely on that: CallSnapshots).
   */
  async put(key: string, value: z.input<S>): Promise<void> {
    const subject = this.#host.subjects.kvSubject(this.bucket, key);
    const parsed = this.bucket.schema.safeParse(value);
    if (!parsed.success) throw new BusPayloadError(subject, `kv value: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const data = encoder.encode(JSON.stringify(parsed.data));
    if (data.byteLength > this.#maxValueBytes) throw new BusPayloadError(subject, `kv value of ${data.byteLength} bytes exceeds ${this.#maxValueBytes}`);
    try {
      await this.#host.js.publish(subject, data, { timeout: this.#timeoutMs });
    } catch (err) {
      throw new BusTimeoutError(subject, this.#timeoutMs, { cause: err });
    }
  }

  /**
   * The value under `key`; undefined when there is none, or it does not match the schema (logged). A direct get
   * (the bucket allows it): any current replica answers, so a read does not wait for a new stream leader after
   * the leader's server died (a leader-only read timed out for the seconds of the election). A replica may
   * answer before it applied a write just acknowledged (seen in a 3-server cluster after a server's restart:
   * the value put a moment before read as none); a read that must see the last write uses {@link entry}.
   */
  async get(key: string): Promise<z.output<S> | undefined> {
    const subject = this.#host.subjects.kvSubject(this.bucket, key);
    const msg = await this.#jsm.direct.getMessage(this.#stream, { last_by_subj: subject });
    if (!msg) return undefined;
    // A delete written by other KV tools (a tombstone) reads as no value.
    const op = msg.header?.get('KV-Operation');
    if (op === 'DEL' || op === 'PURGE') return undefined;
    return this.#host.decode(subject, this.bucket.schema, msg.data)?.value;
  }

  /** Removes `key` (no-op when it is absent). */
  async delete(key: string): Promise<void> {
    await this.#jsm.streams.purge(this.#stream, { filter: this.#host.subjects.kvSubject(this.bucket, key) });
  }

  /** Every key with a value, at most `limit` (default 100 000) of them. */
  async keys(limit = 100_000): Promise<string[]> {
    const info = await this.#jsm.streams.info(this.#stream, { subjects_filter: this.#host.subjects.kvSubject(this.bucket) });
    const prefix = `$KV.${this.name}.`;
    return Object.keys(info.state.subjects ?? {}).filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)).slice(0, limit);
  }

  // Compare-and-set (the active pbx-adapter's lease): reads with the revision, writes that the server
  // takes only if the key's last write is the one expected.
  /**
   * The value under `key` with its revision (the stream sequence of its last write, for {@link update})
   * and the server's time of that write; undefined when there is none or it does not match the schema.
   * Read from the stream's leader (not a direct get a replica may answer late): a lease holder and its
   * challengers must see the same last write.
   */
  async entry(key: string): Promise<KvEntry<z.output<S>> | undefined> {
    const subject = this.#host.subjects.kvSubject(this.bucket, key);
    const msg = await this.#jsm.streams.getMessage(this.#stream, { last_by_subj: subject });
    if (!msg) return undefined;
    const op = msg.header?.get('KV-Operation');
    if (op === 'DEL' || op === 'PURGE') return undefined;
    const decoded = this.#host.decode(subject, this.bucket.schema, msg.data);
    return decoded && { value: decoded.value, revision: msg.seq, writtenAt: msg.timestamp ? Date.parse(msg.timestamp) : Date.now() };
  }

  /**
   * Stores `value` under `key` only if the key has no value (never written, expired by the bucket's TTL,
   * or deleted): the new revision, or undefined when another writer holds the key. The server decides
   * (JetStream's expected-last-subject-sequence 0), so of two concurrent creates exactly one wins.
   */
  async create(key: string, value: z.input<S>): Promise<number | undefined> {
    const revision = await this.#write(key, value, 0);
    if (revision !== undefined) return revision;
    // A delete marker another KV tool wrote counts as no value: replace it, still compare-and-set.
    const subject = this.#host.subjects.kvSubject(this.bucket, key);
    const last = await this.#jsm.streams.getMessage(this.#stream, { last_by_subj: subject });
    const op = last?.header?.get('KV-Operation');
    if (last && (op === 'DEL' || op === 'PURGE')) return this.#write(key, value, last.seq);
    return undefined;
  }

  /**
   * Stores `value` under `key` only if the key's last write is still `revision` (from {@link entry},
   * {@link create} or an earlier update): the new revision, or undefined when the key was written by
   * someone else since, or has expired or been deleted. Rejects (BusTimeoutError) when the server does
   * not answer: the write may or may not have happened.
   */
  async update(key: string, value: z.input<S>, revision: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(revision) || revision < 1) throw new TypeError(`kv update of '${key}': revision must be a positive integer, got ${revision}`);
    return this.#write(key, value, revision);
  }

  #encode(subject: string, value: z.input<S>): Uint8Array {
    const parsed = this.bucket.schema.safeParse(value);
    if (!parsed.success) throw new BusPayloadError(subject, `kv value: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const data = encoder.encode(JSON.stringify(parsed.data));
    if (data.byteLength > this.#maxValueBytes) throw new BusPayloadError(subject, `kv value of ${data.byteLength} bytes exceeds ${this.#maxValueBytes}`);
    return data;
  }

  /** A write the server takes only if the key's last sequence is `expected` (0: no message): its sequence, or undefined. */
  async #write(key: string, value: z.input<S>, expected: number): Promise<number | undefined> {
    const subject = this.#host.subjects.kvSubject(this.bucket, key);
    const data = this.#encode(subject, value);
    try {
      const ack = await this.#host.js.publish(subject, data, { timeout: this.#timeoutMs, expect: { lastSubjectSequence: expected } });
      return ack.seq;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) return undefined;
      throw new BusTimeoutError(subject, this.#timeoutMs, { cause: err });
    }
  }
}
