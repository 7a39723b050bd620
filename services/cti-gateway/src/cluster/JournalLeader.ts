import type { GatewayInstance, Logger } from '@ucserver/shared';
import type { PeerSessions } from './PeerSessions.ts';

export interface JournalLeaderOptions {
  self: GatewayInstance;
  peers: Pick<PeerSessions, 'peers' | 'on' | 'off'>;
  /** The journal's durable consumer (JournalWriter): started on this gateway only while it leads. */
  writer: { start(): Promise<void>; stop(): void | Promise<void> };
  /** The writer runs already (started before the peers could be heard). */
  running: boolean;
  /**
   * The journal consumer's ack wait (JOURNAL_ACK_WAIT_MS). Taking over from a run that went down, the
   * writer starts once that run's unacknowledged events are due again (its last sign of life + this):
   * the server delivers those first, so a call's events still come in order. Default 0 (at once).
   */
  ackWaitMs?: number;
  logger: Logger;
}

/** Slack after the dead run's ack wait for the server to mark its events due again. */
const TAKEOVER_SLACK_MS = 500;

/**
 * Several gateways share one durable journal consumer (`journal-writer`): every event is written once.
 * Two gateways pulling from it at once would each get part of a call's events and could apply them out
 * of order (a call's 'disconnected' before its 'connected': no answer time), so only one consumes — the
 * live gateway run with the lowest instance id; the others stand by. When it dies (3 missed heartbeats)
 * the next one starts consuming where the durable consumer stands; what the dead one had received but not
 * acknowledged is delivered again after the consumer's ack wait (JOURNAL_ACK_WAIT_MS, 5 s: the messages
 * of a batch still being written get progress acks, so the wait can be that short). The next one starts
 * only then: had it started at once, a call's 'disconnected' published after the death would be written
 * before its 'connected' that the dead one held, which then comes too late (its seq is older) and the
 * row would lack its answer time (found by test/faults/journal-handover.test.ts). Right after a start, before the peers
 * are heard, two may consume for a moment; the per-call `seq` keeps that harmless but for the order.
 */
export class JournalLeader {
  readonly #o: JournalLeaderOptions;
  #running: boolean;
  #delayed: NodeJS.Timeout | undefined;
  readonly #evaluate = (): void => this.evaluate();
  readonly #rundown = (_instanceId: string, silentMs: number): void => {
    const ackWaitMs = this.#o.ackWaitMs ?? 0;
    this.evaluate(ackWaitMs > 0 ? Math.max(0, ackWaitMs + TAKEOVER_SLACK_MS - silentMs) : 0);
  };

  constructor(options: JournalLeaderOptions) {
    this.#o = options;
    this.#running = options.running;
  }

  start(): void {
    this.#o.peers.on('newrun', this.#evaluate);
    this.#o.peers.on('rundown', this.#rundown);
    this.evaluate();
  }

  /** Whether this gateway writes the journal now. */
  get leading(): boolean {
    return this.#running;
  }

  /** `delayMs`: a run went down; if this one leads now, it starts writing that much later. */
  evaluate(delayMs = 0): void {
    const { self, peers, writer, logger } = this.#o;
    const lead = [self.instanceId, ...peers.peers()].sort()[0] === self.instanceId;
    if (!lead) {
      clearTimeout(this.#delayed);
      this.#delayed = undefined;
    }
    if (lead === this.#running || (lead && this.#delayed)) return;
    if (lead) {
      const start = (): void => {
        this.#delayed = undefined;
        this.#running = true;
        logger.info({ peers: peers.peers() }, 'this gateway writes the journal now (lowest live instance id)');
        writer.start().catch((err: unknown) => {
          this.#running = false;
          logger.error({ err }, 'journal consumer did not start');
        });
      };
      if (delayMs <= 0) return start();
      logger.info({ peers: peers.peers(), inMs: delayMs }, 'this gateway writes the journal once the events the gone run held are due again');
      this.#delayed = setTimeout(start, delayMs);
    } else {
      this.#running = false;
      logger.info({ peers: peers.peers() }, 'another gateway writes the journal (lower instance id); this one stands by');
      void writer.stop();
    }
  }

  close(): void {
    this.#o.peers.off('newrun', this.#evaluate);
    this.#o.peers.off('rundown', this.#rundown);
    clearTimeout(this.#delayed);
  }
}
