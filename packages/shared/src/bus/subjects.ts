import type { Command, KvBucket, Topic } from './contract.ts';

/**
 * Every NATS subject in ucserver comes from here, built from a {@link Command} or a {@link Topic}. The
 * prefix (config BUS_PREFIX) lets several systems (or test runs) share one NATS server without seeing
 * each other. Services never hold a subject: they hand commands and topics to the BusClient.
 */
export class Subjects {
  readonly prefix: string;

  constructor(prefix: string) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) throw new TypeError(`invalid bus prefix '${prefix}'`);
    this.prefix = prefix;
  }

  /** The subject of a command; `media` commands are addressed to one node. */
  command(cmd: Command, nodeId?: string): string {
    if (cmd.namespace === 'media') {
      if (nodeId === undefined) throw new TypeError(`media command '${cmd.verb}' needs a node id`);
      return `${this.prefix}.media.node.${token(nodeId)}.${cmd.verb}`;
    }
    if (nodeId !== undefined) throw new TypeError(`${cmd.namespace} command '${cmd.verb}' is not node-addressed`);
    return `${this.prefix}.${cmd.namespace}.${cmd.verb}`;
  }

  /** The subject one event is published on (keyed topics take their key from the payload). */
  topic<T extends Topic>(t: T, payload: Parameters<NonNullable<T['key']>>[0]): string {
    return t.key ? `${this.prefix}.${t.name}.${token(t.key(payload))}` : `${this.prefix}.${t.name}`;
  }

  /** The subject to subscribe to: every key of a keyed topic, or one key. */
  topicFilter(t: Topic, key?: string): string {
    if (!t.key) return `${this.prefix}.${t.name}`;
    return `${this.prefix}.${t.name}.${key === undefined ? '*' : token(key)}`;
  }

  /** A command's subject as permissions name it: every node's, for a media command. */
  commandFilter(cmd: Command): string {
    return cmd.namespace === 'media' ? `${this.prefix}.media.node.*.${cmd.verb}` : this.command(cmd);
  }

  /**
   * The inbox prefix of one service's connection: the replies to its requests (and JetStream's acks and
   * deliveries) arrive under it, and only that service's NATS user may subscribe there, so no other
   * service reads its replies.
   */
  inbox(service: string): string {
    return `_INBOX.${this.prefix}.${token(service)}`;
  }

  /** JetStream API subjects to find, create and update the CALLS stream (and the account's JetStream). */
  get callStreamApi(): string[] {
    const s = this.callStream;
    return ['$JS.API.INFO', `$JS.API.STREAM.INFO.${s}`, `$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`];
  }

  /** JetStream API and ack subjects of one durable pull consumer of the CALLS stream. */
  callConsumerApi(durable: string): string[] {
    const s = this.callStream;
    const d = token(durable);
    return [
      `$JS.API.CONSUMER.INFO.${s}.${d}`,
      `$JS.API.CONSUMER.CREATE.${s}.${d}`,
      // nats.js puts the filter subject into the create subject (server 2.9+)
      `$JS.API.CONSUMER.CREATE.${s}.${d}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${s}.${d}`,
      `$JS.API.CONSUMER.MSG.NEXT.${s}.${d}`,
      `$JS.ACK.${s}.${d}.>`,
    ];
  }

  /** The JetStream stream holding call lifecycle and media events (topics under `calls.`). */
  get callStream(): string {
    return `${this.prefix.toUpperCase().replace(/-/g, '_')}_CALLS`;
  }
  get callStreamSubjects(): string[] {
    return [`${this.prefix}.calls.>`];
  }

  /**
   * The JetStream name of a key-value bucket (`<PREFIX>_<NAME>`, e.g. `UCS_PBX_CALLS`); its stream and
   * subjects follow the NATS KV layout (`KV_<bucket>`, `$KV.<bucket>.<key>`), so `nats kv` tools read it.
   */
  kvBucket(bucket: KvBucket): string {
    return `${this.prefix}_${bucket.name}`.toUpperCase().replace(/-/g, '_');
  }
  kvStream(bucket: KvBucket): string {
    return `KV_${this.kvBucket(bucket)}`;
  }
  kvSubject(bucket: KvBucket, key?: string): string {
    return `$KV.${this.kvBucket(bucket)}.${key === undefined ? '>' : token(key)}`;
  }
  /**
   * JetStream API subjects KvStore uses on its bucket: find/create/update, read one key (direct get, answered by any
   * replica: `…DIRECT.GET.<stream>.$KV.<bucket>.<key>`), purge one key.
   */
  kvApi(bucket: KvBucket): string[] {
    const s = this.kvStream(bucket);
    return [`$JS.API.STREAM.INFO.${s}`, `$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`, `$JS.API.DIRECT.GET.${s}.${this.kvSubject(bucket)}`, `$JS.API.STREAM.PURGE.${s}`];
  }
}

function token(value: string): string {
  if (!/^[A-Za-z0-9_:@+-]{1,128}$/.test(value)) {
    throw new TypeError(`'${value}' cannot be a subject token`);
  }
  return value;
}
