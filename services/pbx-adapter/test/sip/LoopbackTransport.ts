// In-process SipTransport pair for TransactionLayer unit tests (two real layers wired together, like
// SIP.js's TransportFake). Messages are serialized and parsed as on a wire and delivered on the next
// turn of the event loop; raw bytes can be injected to simulate a peer.
import { EventEmitter } from 'node:events';
import {
  createErrorResponse,
  safeParseMessage,
  serializeMessage,
  stampReceived,
  TransportError,
  type Destination,
  type Endpoint,
  type MessageSource,
  type SipMessage,
  type SipTransport,
  type SipTransportEvents,
  type TransportProtocol,
  type TransportStats,
} from '../../src/sip/mod.ts';

export class LoopbackNetwork {
  private readonly nodes = new Map<string, LoopbackTransport>();
  /** Every datagram delivered, for assertions: [from, to, first line]. */
  readonly log: Array<{ from: string; to: string; line: string }> = [];

  register(t: LoopbackTransport): void {
    this.nodes.set(`${t.local.host}:${t.local.port}`, t);
  }

  deliver(bytes: Buffer, from: LoopbackTransport | Endpoint, to: Destination): boolean {
    const target = this.nodes.get(`${to.host}:${to.port}`);
    const src = from instanceof LoopbackTransport ? from.local : from;
    this.log.push({ from: `${src.host}:${src.port}`, to: `${to.host}:${to.port}`, line: bytes.toString('utf8').split('\r\n')[0] ?? '' });
    if (!target) return false;
    setImmediate(() => target.receive(bytes, src));
    return true;
  }
}

export class LoopbackTransport extends EventEmitter<SipTransportEvents> implements SipTransport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly local: Endpoint;
  readonly sentBy: Endpoint;
  readonly stats: TransportStats = { messagesReceived: 0, messagesSent: 0, malformed: 0, keepalives: 0 };
  readonly sent: SipMessage[] = [];
  private readonly network: LoopbackNetwork;
  private closed = false;

  constructor(network: LoopbackNetwork, host: string, port: number, protocol: TransportProtocol = 'UDP') {
    super();
    this.network = network;
    this.protocol = protocol;
    this.reliable = protocol !== 'UDP';
    this.local = { host, port };
    this.sentBy = { host, port };
    network.register(this);
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('loopback closed'));
    this.sent.push(message);
    this.stats.messagesSent++;
    this.network.deliver(serializeMessage(message), this, destination);
    return Promise.resolve();
  }

  /** Deliver raw bytes as if they came from `from`. */
  inject(bytes: Buffer | string, from: Endpoint): void {
    this.receive(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), from);
  }

  receive(bytes: Buffer, from: Endpoint): void {
    if (this.closed) return;
    const source: MessageSource = { protocol: this.protocol, address: from.host, port: from.port };
    const r = safeParseMessage(bytes);
    if (!r.ok) {
      this.stats.malformed++;
      const answer = createErrorResponse(r.error);
      if (answer) this.network.deliver(serializeMessage(answer), this, { host: from.host, port: from.port });
      this.emit('malformed', r.error, source, answer !== undefined);
      return;
    }
    if (r.message.type === 'request') stampReceived(r.message, source);
    this.stats.messagesReceived++;
    this.emit('message', r.message, source);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Let pending loopback deliveries (setImmediate) run, `turns` times. */
export const settle = async (turns = 10): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
