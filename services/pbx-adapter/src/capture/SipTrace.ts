import { isIP } from 'node:net';
import { captureClockUs, type SipTraceRecord } from '@ucserver/shared';
import type { SipMessage } from '../sip/message.ts';
import { serializeMessage } from '../sip/serialize.ts';
import type { Destination, MessageSource, SipTransport } from '../sip/transport/TransportTypes.ts';

export interface SipTraceOptions {
  /** Messages kept per SIP Call-ID (the oldest go first). Default 64. */
  maxMessagesPerCall?: number;
  /** SIP Call-IDs kept (the least recently active go first). Default 4096. */
  maxCalls?: number;
  /** A Call-ID without a message for this long is dropped (ms). Default 10 minutes. */
  idleMs?: number;
  clock?: () => bigint;
}

/** A record as kept: the message's bytes as they are, base64 only when a capture asks for them. */
interface Kept {
  atUs: string;
  src: SipTraceRecord['src'];
  dst: SipTraceRecord['dst'];
  data: Buffer;
}

interface Trace {
  records: Kept[];
  lastAt: number;
}

/**
 * The recent SIP messages per SIP Call-ID, as the transports sent and received them, so a capture of a
 * call (started while it rings, or by a line policy) gets its whole signalling when it stops. Bounded in
 * messages per call, in calls, and in time. A call links its CTI call id to its SIP Call-IDs.
 * Received messages are re-serialized from the parsed form (the top Via carries received/rport), sent ones
 * recorded as the bytes the transport sent; stream transports (TCP/TLS) are recorded like datagrams.
 */
export class SipTrace {
  readonly #traces = new Map<string, Trace>();
  readonly #links = new Map<string, { sipCallIds: Set<string>; lastAt: number }>();
  readonly #maxMessages: number;
  readonly #maxCalls: number;
  readonly #idleMs: number;
  readonly #clock: () => bigint;

  constructor(options: SipTraceOptions = {}) {
    this.#maxMessages = options.maxMessagesPerCall ?? 64;
    this.#maxCalls = options.maxCalls ?? 4096;
    this.#idleMs = options.idleMs ?? 600_000;
    this.#clock = options.clock ?? captureClockUs;
  }

  /** Records what `transport` receives and sends. */
  attach(transport: SipTransport): void {
    transport.on('message', (m, source) => this.received(m, source, transport));
    transport.on('sent', (m, destination, data) => this.sent(m, destination, transport, data));
  }

  received(message: SipMessage, source: MessageSource, transport: SipTransport): void {
    this.#record(message, { address: source.address, port: source.port }, local(transport));
  }

  /** `data`: the bytes sent, when the transport has them (else the message is serialized here). */
  sent(message: SipMessage, destination: Destination, transport: SipTransport, data?: Buffer): void {
    this.#record(message, local(transport), { address: destination.host.replace(/^\[|\]$/g, ''), port: destination.port }, data);
  }

  /** The CTI call `callId` uses the SIP Call-ID `sipCallId`. */
  link(callId: string, sipCallId: string): void {
    const link = this.#links.get(callId) ?? { sipCallIds: new Set<string>(), lastAt: Date.now() };
    link.sipCallIds.add(sipCallId);
    link.lastAt = Date.now();
    this.#links.delete(callId);
    this.#links.set(callId, link);
    this.#trim(this.#links);
  }

  /** The messages of a CTI call, oldest first. */
  messages(callId: string): SipTraceRecord[] {
    this.#expire();
    const link = this.#links.get(callId);
    if (!link) return [];
    return [...link.sipCallIds]
      .flatMap((id) => this.#traces.get(id)?.records ?? [])
      .sort((a, b) => (BigInt(a.atUs) < BigInt(b.atUs) ? -1 : 1))
      .map((r) => ({ atUs: r.atUs, src: r.src, dst: r.dst, data: r.data.toString('base64') }));
  }

  #record(message: SipMessage, src: SipTraceRecord['src'], dst: SipTraceRecord['dst'], sent?: Buffer): void {
    const sipCallId = message.headers.callId();
    if (!sipCallId) return;
    const data = sent ?? serializeMessage(message);
    if (data.length > 65_000) return;
    let trace = this.#traces.get(sipCallId);
    if (trace) this.#traces.delete(sipCallId);
    trace ??= { records: [], lastAt: 0 };
    trace.lastAt = Date.now();
    trace.records.push({ atUs: this.#clock().toString(), src: ipOrAny(src), dst: ipOrAny(dst), data });
    if (trace.records.length > this.#maxMessages) trace.records.shift();
    // Re-inserted: the map's order is the order of last activity.
    this.#traces.set(sipCallId, trace);
    this.#trim(this.#traces);
  }

  #trim(map: Map<string, unknown>): void {
    while (map.size > this.#maxCalls) map.delete(map.keys().next().value!);
  }

  #expire(): void {
    const before = Date.now() - this.#idleMs;
    for (const [key, trace] of this.#traces) {
      if (trace.lastAt > before) break;
      this.#traces.delete(key);
    }
    // A link lives as long as one of its Call-IDs has messages (or it is new).
    for (const [callId, link] of this.#links) {
      if (link.lastAt <= before && ![...link.sipCallIds].some((id) => this.#traces.has(id))) this.#links.delete(callId);
    }
  }
}

function local(transport: SipTransport): SipTraceRecord['src'] {
  const host = transport.local.host === '0.0.0.0' || transport.local.host === '::' ? transport.sentBy.host : transport.local.host;
  return { address: host, port: transport.local.port };
}

/** A pcapng packet needs IP addresses: a host name becomes 0.0.0.0 (the message itself names it). */
function ipOrAny(e: SipTraceRecord['src']): SipTraceRecord['src'] {
  return isIP(e.address) ? e : { address: '0.0.0.0', port: e.port };
}
