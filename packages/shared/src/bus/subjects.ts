import type { Command } from './contract.ts';

/**
 * Every NATS subject in ucserver comes from here. The prefix (config BUS_PREFIX) lets several systems
 * (or test runs) share one NATS server without seeing each other.
 */
export class Subjects {
  readonly prefix: string;

  constructor(prefix: string) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) throw new TypeError(`invalid bus prefix '${prefix}'`);
    this.prefix = prefix;
  }

  /** Commands addressed to one media node. */
  mediaNode(nodeId: string, cmd: Command): string {
    return `${this.prefix}.media.node.${token(nodeId)}.${cmd.verb}`;
  }
  /** Wildcard a media node serves all its commands on. */
  mediaNodeAll(nodeId: string): string {
    return `${this.prefix}.media.node.${token(nodeId)}.>`;
  }
  get mediaHeartbeat(): string {
    return `${this.prefix}.media.heartbeat`;
  }
  pbx(cmd: Command): string {
    return `${this.prefix}.pbx.${cmd.verb}`;
  }
  cti(cmd: Command): string {
    return `${this.prefix}.cti.${cmd.verb}`;
  }
  lines(cmd: Command): string {
    return `${this.prefix}.${cmd.verb}`;
  }
  get lineChanged(): string {
    return `${this.prefix}.lines.changed`;
  }
  lineRegistration(lineId: string): string {
    return `${this.prefix}.lines.registration.${token(lineId)}`;
  }
  get lineRegistrationAll(): string {
    return `${this.prefix}.lines.registration.*`;
  }

  /** The JetStream stream holding call lifecycle and media events. */
  get callStream(): string {
    return `${this.prefix.toUpperCase().replace(/-/g, '_')}_CALLS`;
  }
  get callStreamSubjects(): string[] {
    return [`${this.prefix}.calls.>`];
  }
  callEvent(lineId: string): string {
    return `${this.prefix}.calls.event.${token(lineId)}`;
  }
  get callEventAll(): string {
    return `${this.prefix}.calls.event.*`;
  }
  mediaEvent(callId: string): string {
    return `${this.prefix}.calls.media.${token(callId)}`;
  }
  get mediaEventAll(): string {
    return `${this.prefix}.calls.media.*`;
  }
}

function token(value: string): string {
  if (!/^[A-Za-z0-9_:@+-]{1,128}$/.test(value)) {
    throw new TypeError(`'${value}' cannot be a subject token`);
  }
  return value;
}
