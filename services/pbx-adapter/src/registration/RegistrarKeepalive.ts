// OPTIONS keepalive to one registrar (SIP_OPTIONS_INTERVAL_S). Any final response means "alive" (a
// registrar may well answer 404 or 405 to OPTIONS); no answer to `downAfter` OPTIONS in a row means
// "down" — an unanswered one is confirmed at once by the next, not after the interval, because one
// lost answer is no outage: a flood at our SIP port overflows the socket's receive buffer, and the
// kernel then drops the PBX's answers with it (a 20 s flood on 2 cores: ~4 % of all datagrams, and
// one ping in CI lost all three of its answers). The transitions are emitted so the lines at this
// registrar can re-register once it is back (a restarted PBX without persistent location table has
// forgotten every binding).
import { EventEmitter } from 'node:events';
import type { Logger } from '@ucserver/shared';
import type { LineAddress } from '../userAgent/lineAddress.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import { createRequest, createSipUri, formatUri, generateCallId, generateTag, systemClock, type Clock, type TimerHandle } from '../sip/mod.ts';
import type { RegistrarKeepaliveEvents, RegistrarKeepaliveOptions } from './RegistrarKeepaliveTypes.ts';

export class RegistrarKeepalive extends EventEmitter<RegistrarKeepaliveEvents> {
  readonly address: LineAddress;
  readonly #endpoint: SipEndpoint;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #downAfter: number;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #up = true;
  /** OPTIONS in a row without an answer. */
  #unanswered = 0;
  #closed = false;
  #cseq = 0;
  readonly #callId = generateCallId();
  readonly #tag = generateTag();

  constructor(options: RegistrarKeepaliveOptions) {
    super();
    if (!(options.intervalMs > 0)) throw new TypeError(`keepalive interval must be positive, got ${options.intervalMs}`);
    this.address = options.address;
    this.#endpoint = options.endpoint;
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs ?? Math.min(options.intervalMs, 32_000);
    this.#downAfter = options.downAfter ?? 2;
    if (!Number.isInteger(this.#downAfter) || this.#downAfter < 1) throw new TypeError(`downAfter must be a positive integer, got ${options.downAfter}`);
    this.#logger = options.logger.child({ registrar: options.address.registrarKey });
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
  }

  /** True unless the last OPTIONS went unanswered. */
  get up(): boolean {
    return this.#up;
  }

  start(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#schedule();
  }

  /** Sends one OPTIONS now and resolves with whether it was answered (tests and the scheduler). */
  async ping(): Promise<boolean> {
    const sentBy = this.#endpoint.sentBy(this.address.transport);
    this.#cseq += 1;
    const from = `<${formatUri(createSipUri({ user: 'keepalive', host: sentBy.host, port: sentBy.port }))}>;tag=${this.#tag}`;
    const request = createRequest({
      method: 'OPTIONS',
      uri: this.address.registrarUri,
      headers: [
        ['From', from],
        ['To', `<${formatUri(this.address.registrarUri)}>`],
        ['Call-ID', this.#callId],
        ['CSeq', `${this.#cseq} OPTIONS`],
        ['Accept', 'application/sdp'],
      ],
    });
    try {
      await this.#endpoint.request(request, this.address.destination, { timeoutMs: this.#timeoutMs });
      this.#unanswered = 0;
      if (!this.#up && !this.#closed) {
        this.#up = true;
        this.#logger.info('registrar answers again');
        this.emit('up');
      }
      return true;
    } catch (err) {
      this.#metrics.keepaliveFailures.inc();
      this.#unanswered += 1;
      if (this.#unanswered < this.#downAfter) {
        this.#logger.info({ err: (err as Error).message, unanswered: this.#unanswered }, 'OPTIONS unanswered; asking again at once');
      } else if (this.#up && !this.#closed) {
        this.#up = false;
        const reason = `registrar ${this.address.destination.host}:${this.address.destination.port} does not answer OPTIONS (${(err as Error).message})`;
        this.#logger.warn({ err: (err as Error).message }, 'registrar down');
        this.emit('down', reason.slice(0, 256));
      }
      return false;
    }
  }

  /** Stops pinging. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.removeAllListeners();
  }

  #schedule(): void {
    // An unanswered OPTIONS not yet confirmed by the next is followed at once.
    const confirming = this.#up && this.#unanswered > 0 && this.#unanswered < this.#downAfter;
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      void this.ping().finally(() => {
        if (!this.#closed) this.#schedule();
      });
    }, confirming ? 0 : this.#intervalMs);
  }
}
