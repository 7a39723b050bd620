import type { GatewayInstance, Logger } from '@ucserver/shared';
import type { PeerSessions } from './PeerSessions.ts';

export interface JournalLeaderOptions {
  self: GatewayInstance;
  peers: Pick<PeerSessions, 'peers' | 'on' | 'off'>;
  /** The journal's durable consumer (JournalWriter): started on this gateway only while it leads. */
  writer: { start(): Promise<void>; stop(): void | Promise<void> };
  /** The writer runs already (started before the peers could be heard). */
  running: boolean;
  logger: Logger;
}

/**
 * Several gateways share one durable journal consumer (`journal-writer`): every event is written once.
 * Two gateways pulling from it at once would each get part of a call's events and could apply them out
 * of order (a call's 'disconnected' before its 'connected': no answer time), so only one consumes — the
 * live gateway run with the lowest instance id; the others stand by. When it dies (3 missed heartbeats)
 * the next one starts consuming where the durable consumer stands; what the dead one had received but not
 * acknowledged is delivered again after the consumer's ack wait (JOURNAL_ACK_WAIT_MS, 5 s: the messages
 * of a batch still being written get progress acks, so the wait can be that short). Right after a start, before the peers
 * are heard, two may consume for a moment; the per-call `seq` keeps that harmless but for the order.
 */
export class JournalLeader {
  readonly #o: JournalLeaderOptions;
  #running: boolean;
  readonly #evaluate = (): void => this.evaluate();

  constructor(options: JournalLeaderOptions) {
    this.#o = options;
    this.#running = options.running;
  }

  start(): void {
    this.#o.peers.on('newrun', this.#evaluate);
    this.#o.peers.on('rundown', this.#evaluate);
    this.evaluate();
  }

  /** Whether this gateway writes the journal now. */
  get leading(): boolean {
    return this.#running;
  }

  evaluate(): void {
    const { self, peers, writer, logger } = this.#o;
    const lead = [self.instanceId, ...peers.peers()].sort()[0] === self.instanceId;
    if (lead === this.#running) return;
    this.#running = lead;
    if (lead) {
      logger.info({ peers: peers.peers() }, 'this gateway writes the journal now (lowest live instance id)');
      writer.start().catch((err: unknown) => {
        this.#running = false;
        logger.error({ err }, 'journal consumer did not start');
      });
    } else {
      logger.info({ peers: peers.peers() }, 'another gateway writes the journal (lower instance id); this one stands by');
      void writer.stop();
    }
  }

  close(): void {
    this.#o.peers.off('newrun', this.#evaluate);
    this.#o.peers.off('rundown', this.#evaluate);
  }
}
