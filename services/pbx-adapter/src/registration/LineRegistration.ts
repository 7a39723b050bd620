// One line's binding at its registrar (RFC 3261 §10.2): REGISTER with digest auth, refresh before
// expiry, exponential backoff with jitter after failures, re-registration on demand (the keepalive saw
// the registrar come back), and REGISTER with Expires 0 on stop. Status changes are emitted as
// LineRegistrationState. One REGISTER of a line is in flight at a time.
import { EventEmitter } from 'node:events';
import type { LineConfig, LineRegistrationState, Logger, RegistrationStatus } from '@ucserver/shared';
import { contactUri, lineAddress, type LineAddress } from '../userAgent/lineAddress.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import { ALLOWED_METHODS } from '../userAgent/SipEndpointTypes.ts';
import { AdapterClosedError } from '../errors.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import {
  createRequest,
  DigestClient,
  DigestError,
  expiresOf,
  formatNameAddr,
  formatUri,
  generateCallId,
  generateTag,
  SipTimeoutError,
  systemClock,
  TransportError,
  uriEquals,
  type Clock,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type TimerHandle,
} from '../sip/mod.ts';
import { backoffDelay, refreshDelay, type BackoffOptions } from './backoff.ts';
import type { LineRegistrationEvents, LineRegistrationOptions, RegisterFailureReason } from './LineRegistrationTypes.ts';
import type { RegisterQueue } from './RegisterQueue.ts';

/** Challenge rounds per attempt (401 then 407, or a stale nonce) before giving up. */
const MAX_ROUNDS = 4;

class RegisterFailure extends Error {
  readonly reason: RegisterFailureReason;
  readonly sipStatus: number | undefined;
  constructor(reason: RegisterFailureReason, message: string, sipStatus?: number) {
    super(message);
    this.reason = reason;
    this.sipStatus = sipStatus;
  }
}

export class LineRegistration extends EventEmitter<LineRegistrationEvents> {
  readonly line: LineConfig;
  readonly address: LineAddress;
  readonly #endpoint: SipEndpoint;
  readonly #expiresS: number;
  /** Stopped without un-registering: not one more REGISTER, not even a challenge's answer. */
  #halted = false;
  readonly #retry: BackoffOptions;
  readonly #queue: RegisterQueue;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #digest: DigestClient;
  readonly #callId = generateCallId();
  readonly #fromTag = generateTag();
  #cseq = 0;
  #contact: SipUri | undefined;
  #state: LineRegistrationState;
  #timer: TimerHandle | undefined;
  #inflight: Promise<void> | undefined;
  #failures = 0;
  #stopped = false;

  constructor(options: LineRegistrationOptions) {
    super();
    this.line = options.line;
    this.address = lineAddress(options.line);
    this.#endpoint = options.endpoint;
    this.#expiresS = options.expiresS;
    this.#retry = options.retry;
    this.#queue = options.queue;
    this.#logger = options.logger.child({ lineId: options.line.lineId, line: options.line.number });
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#digest = new DigestClient({ credentials: { username: options.line.authUser || options.line.number, password: options.line.authPassword } });
    this.#state = { lineId: options.line.lineId, status: 'unregistered', at: this.#clock.now() };
  }

  get state(): LineRegistrationState {
    return { ...this.#state };
  }

  get status(): RegistrationStatus {
    return this.#state.status;
  }

  /** Registers now (and keeps the binding refreshed). */
  start(): void {
    if (this.#stopped) return;
    if (!this.#endpoint.has(this.line.transport)) {
      this.#setState({ status: 'failed', reason: `SIP transport ${this.line.transport} is not enabled (SIP_TRANSPORTS)` });
      this.#metrics.registerFailures.inc({ reason: 'config' });
      return;
    }
    this.#contact = contactUri(this.line, this.#endpoint.sentBy(this.line.transport), this.line.transport);
    this.#attempt();
  }

  /** Registers again at once (the registrar came back and may have lost its bindings). */
  reRegister(): void {
    if (this.#stopped || this.#contact === undefined) return;
    this.#failures = 0;
    this.#attempt();
  }

  /** The registrar stopped answering: the binding cannot be relied on; retry with backoff. */
  registrarDown(reason: string): void {
    if (this.#stopped || this.#contact === undefined || this.#inflight) return;
    if (this.#state.status !== 'registered' && this.#state.status !== 'registering') return;
    this.#failures += 1;
    this.#metrics.registerFailures.inc({ reason: 'unreachable' });
    this.#setState({ status: 'failed', reason });
    this.#schedule(backoffDelay(this.#failures, this.#retry, this.#random));
  }

  /**
   * Stops refreshing. With `unregister`, a binding we hold (or may hold) is removed with Expires 0,
   * waiting at most `timeoutMs`. The final status is `finalStatus` ('unregistered' or 'disabled').
   * Idempotent.
   */
  async stop(options: { unregister: boolean; timeoutMs: number; finalStatus?: RegistrationStatus }): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#halted = !options.unregister;
    this.#clearTimer();
    const held = this.#state.status === 'registered' || this.#state.status === 'registering' || this.#inflight !== undefined;
    if (options.unregister && held && this.#contact !== undefined) {
      // A REGISTER in flight finishes first (its 200 would re-create the binding), within the same bound.
      if (this.#inflight) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.#inflight.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)))]);
        clearTimeout(timer);
      }
      try {
        const response = await this.#register(0, options.timeoutMs);
        if (response.status >= 300) this.#logger.info({ status: response.status }, 'un-registration refused');
      } catch (err) {
        this.#logger.info({ err: (err as Error).message }, 'un-registration failed');
      }
    }
    this.#setState({ status: options.finalStatus ?? 'unregistered' });
    this.removeAllListeners();
  }

  #attempt(): void {
    if (this.#inflight || this.#stopped) return;
    this.#clearTimer();
    if (this.#state.status !== 'registered') this.#setState({ status: 'registering' });
    this.#inflight = this.#register(this.#expiresS)
      .then((response) => this.#onFinal(response))
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#inflight = undefined;
      });
  }

  #onFinal(response: SipResponse): void {
    if (this.#stopped) return;
    if (response.status >= 200 && response.status < 300) {
      this.#digest.succeeded();
      const granted = this.#grantedExpires(response);
      if (granted <= 0) {
        this.#fail(new RegisterFailure('4xx', 'registrar granted no binding (expires 0)', response.status));
        return;
      }
      this.#failures = 0;
      const now = this.#clock.now();
      this.#setState({ status: 'registered', expiresAt: now + granted * 1000, sipStatus: response.status });
      this.#schedule(refreshDelay(granted, this.#random));
      return;
    }
    const cls = `${Math.floor(response.status / 100)}xx` as RegisterFailureReason;
    this.#fail(new RegisterFailure(cls, `${response.status} ${response.reason}`.trim(), response.status));
  }

  #onError(err: unknown): void {
    if (this.#stopped) return;
    if (err instanceof RegisterFailure) this.#fail(err);
    else if (err instanceof SipTimeoutError) this.#fail(new RegisterFailure('timeout', `no answer from the registrar (${err.timer})`));
    else if (err instanceof TransportError) this.#fail(new RegisterFailure('transport', `transport error: ${err.message}`));
    else if (err instanceof AdapterClosedError) return;
    else {
      this.#logger.error({ err }, 'registration failed unexpectedly');
      this.#fail(new RegisterFailure('transport', (err as Error).message ?? String(err)));
    }
  }

  #fail(failure: RegisterFailure): void {
    this.#failures += 1;
    this.#metrics.registerFailures.inc({ reason: failure.reason });
    const delay = backoffDelay(this.#failures, this.#retry, this.#random);
    this.#logger.info({ reason: failure.message, sipStatus: failure.sipStatus, retryInMs: delay }, 'registration failed');
    this.#setState({ status: 'failed', reason: failure.message.slice(0, 256), ...(failure.sipStatus !== undefined ? { sipStatus: failure.sipStatus } : {}) });
    this.#schedule(delay);
  }

  /**
   * One REGISTER exchange including digest challenges and 423; resolves with the final response. The
   * queue slot is held for the whole exchange, so a challenged line finishes before new lines start.
   */
  #register(expires: number, timeoutMs?: number): Promise<SipResponse> {
    return this.#queue.run(() => this.#exchange(expires, timeoutMs));
  }

  async #exchange(expires: number, timeoutMs: number | undefined): Promise<SipResponse> {
    let request = this.#build(expires);
    for (let round = 0; ; round++) {
      this.#metrics.registerAttempts.inc();
      const response = await this.#endpoint.request(request, this.address.destination, timeoutMs === undefined ? {} : { timeoutMs });
      if (round >= MAX_ROUNDS) return response;
      if (response.status === 401 || response.status === 407) {
        try {
          request = this.#digest.retry(request, response);
        } catch (err) {
          if (err instanceof DigestError) throw new RegisterFailure('auth', `${response.status}: ${err.message}`, response.status);
          throw err;
        }
        this.#cseq = request.headers.cseq().seq;
        // Halted (the active lease was lost) mid-exchange: the answer to the challenge is not sent.
        if (this.#halted) throw new AdapterClosedError('registration halted');
        continue;
      }
      if (response.status === 423 && expires > 0) {
        const min = response.headers.minExpires();
        if (min !== undefined && min > expires) {
          expires = min;
          request = this.#build(expires);
          continue;
        }
      }
      return response;
    }
  }

  #build(expires: number): SipRequest {
    const contact = this.#contact as SipUri;
    this.#cseq += 1;
    const aor = formatNameAddr({ displayName: undefined, uri: this.address.aor, params: new Map() });
    const request = createRequest({
      method: 'REGISTER',
      uri: this.address.registrarUri,
      headers: [
        ['From', `${aor};tag=${this.#fromTag}`],
        ['To', aor],
        ['Call-ID', this.#callId],
        ['CSeq', `${this.#cseq} REGISTER`],
        ['Contact', `<${formatUri(contact)}>`],
        ['Expires', String(expires)],
        ['Allow', ALLOWED_METHODS.join(', ')],
      ],
    });
    for (const f of this.#digest.authorize(request)) request.headers.append(f.name, f.value);
    return request;
  }

  /** The lifetime the registrar granted our Contact: its expires parameter, else the Expires header. */
  #grantedExpires(response: SipResponse): number {
    const ours = response.headers.contacts().find((c) => this.#contact !== undefined && uriEquals(c.uri, this.#contact));
    const fromContact = ours ? expiresOf(ours) : undefined;
    return fromContact ?? response.headers.expires() ?? this.#expiresS;
  }

  #schedule(delayMs: number): void {
    this.#clearTimer();
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#attempt();
    }, delayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setState(next: { status: RegistrationStatus; expiresAt?: number; sipStatus?: number; reason?: string }): void {
    const prev = this.#state;
    const state: LineRegistrationState = { lineId: this.line.lineId, ...next, at: this.#clock.now() };
    this.#state = state;
    if (prev.status === state.status && prev.sipStatus === state.sipStatus && prev.reason === state.reason) return;
    this.emit('state', { ...state });
  }
}
