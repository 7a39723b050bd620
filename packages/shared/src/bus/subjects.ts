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
}

function token(value: string): string {
  if (!/^[A-Za-z0-9_:@+-]{1,128}$/.test(value)) {
    throw new TypeError(`'${value}' cannot be a subject token`);
  }
  return value;
}
