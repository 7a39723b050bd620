// TransactionTransport for pure transaction unit tests: records what would go on the wire, with the
// fake clock's time, and can be told to fail.
import { TransportError, type SipMessage, type TransactionTransport } from '../../src/sip/mod.ts';
import type { FakeClock } from './FakeClock.ts';

export interface SentRecord {
  at: number;
  message: SipMessage;
}

export class RecordingTransport implements TransactionTransport {
  readonly reliable: boolean;
  readonly sent: SentRecord[] = [];
  failNext = false;
  private readonly clock: FakeClock;

  constructor(clock: FakeClock, reliable = false) {
    this.clock = clock;
    this.reliable = reliable;
  }

  send(message: SipMessage): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new TransportError('simulated send failure'));
    }
    this.sent.push({ at: this.clock.now(), message });
    return Promise.resolve();
  }

  /** Times at which requests of `method` (or responses with `status`) were sent. */
  timesOf(match: string | number): number[] {
    return this.sent
      .filter((r) => (typeof match === 'string' ? r.message.type === 'request' && r.message.method === match : r.message.type === 'response' && r.message.status === match))
      .map((r) => r.at);
  }
}
