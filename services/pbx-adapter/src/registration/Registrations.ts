// Every line the gateway configured, each with its LineRegistration while enabled, plus one OPTIONS
// keepalive per registrar that has enabled lines. Line changes (the full list, or one upsert/remove)
// apply without restart: a changed line re-registers with its new settings after its old binding was
// removed, a disabled one un-registers, a removed one is forgotten.
import { EventEmitter } from 'node:events';
import type { LineConfig, LineRegistrationState, Logger, RegistrationStatus } from '@ucserver/shared';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import { systemClock, type Clock } from '../sip/mod.ts';
import { LineRegistration } from './LineRegistration.ts';
import { RegisterQueue } from './RegisterQueue.ts';
import { RegistrarKeepalive } from './RegistrarKeepalive.ts';
import type { RegistrationsEvents, RegistrationsOptions } from './RegistrationsTypes.ts';

interface Entry {
  line: LineConfig;
  registration: LineRegistration | undefined;
  /** State of a line without registration (disabled, or its config is unusable). */
  state: LineRegistrationState;
  /** Why the line was refused (see Registrations.refuse); its `line` then holds no password. */
  refused?: string;
}

/** The fields whose change needs a new binding. */
const bindingKey = (l: LineConfig): string =>
  JSON.stringify([l.number, l.sipUri, l.registrar, l.transport, l.authUser, l.authPassword, l.enabled]);

export class Registrations extends EventEmitter<RegistrationsEvents> {
  readonly #options: RegistrationsOptions;
  readonly #endpoint: SipEndpoint;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #clock: Clock;
  readonly #queue: RegisterQueue;
  readonly #entries = new Map<string, Entry>();
  readonly #byNumber = new Map<string, Set<string>>();
  readonly #keepalives = new Map<string, { keepalive: RegistrarKeepalive; lines: Set<string> }>();
  readonly #stopping = new Set<Promise<void>>();
  /** Registrar host → registrations using it (live ones and those still un-registering). */
  readonly #registrarHosts = new Map<string, number>();
  #closed = false;
  /** Not the active instance (see halt()): lines are kept, none registers. */
  #halted = false;
  /** Registrar hosts of the registrations halt() stopped: still trusted, released by resume(). */
  readonly #haltedHosts: string[] = [];

  constructor(options: RegistrationsOptions) {
    super();
    this.#options = options;
    this.#endpoint = options.endpoint;
    this.#logger = options.logger.child({ component: 'registrations' });
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
    this.#queue = new RegisterQueue(options.concurrency ?? 64, { admit: () => this.#endpoint.layer.clientLoad < 0.5 });
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The full list from the gateway: lines missing from it are removed, the others upserted; `refused`
   * lines are listed but unusable as sent (see {@link refuse}).
   */
  apply(lines: LineConfig[], refused: ReadonlyArray<{ line: LineConfig; reason: string }> = []): void {
    const ids = new Set([...lines, ...refused.map((r) => r.line)].map((l) => l.lineId));
    for (const id of [...this.#entries.keys()]) if (!ids.has(id)) this.remove(id);
    for (const line of lines) this.upsert(line);
    for (const r of refused) this.refuse(r.line, r.reason);
  }

  /**
   * A line that cannot be used as sent (its SIP password does not open with our LINE_CREDENTIALS_KEY):
   * any binding it had is removed, and it stays `failed` with the reason until a usable version comes.
   */
  refuse(line: LineConfig, reason: string): void {
    if (this.#closed) return;
    const existing = this.#entries.get(line.lineId);
    if (existing?.refused === reason) return;
    // The old binding's final state is not reported: `failed` below is the line's state.
    existing?.registration?.removeAllListeners('state');
    if (existing) void this.#retire(existing, 'unregistered', false);
    // Not indexed by number: no SIP traffic is matched to a line without credentials.
    const entry: Entry = { line, registration: undefined, state: { lineId: line.lineId, status: 'failed', reason: reason.slice(0, 256), at: this.#clock.now() }, refused: reason };
    this.#entries.set(line.lineId, entry);
    this.#metrics.registerFailures.inc({ reason: 'config' });
    this.emit('state', { ...entry.state });
  }

  upsert(line: LineConfig): void {
    if (this.#closed) return;
    const existing = this.#entries.get(line.lineId);
    if (existing && existing.refused === undefined && bindingKey(existing.line) === bindingKey(line)) {
      existing.line = line;
      return;
    }
    // The old binding goes first: removing it after the new one is in place could remove the new one
    // too when the Contact did not change (RFC 3261 §10.3 matches bindings by Contact URI).
    const hadRegistration = existing?.registration !== undefined;
    const previous = existing ? this.#retire(existing, line.enabled ? 'unregistered' : 'disabled', false) : undefined;
    this.#index(line);
    const entry: Entry = { line, registration: undefined, state: { lineId: line.lineId, status: line.enabled ? 'unregistered' : 'disabled', at: this.#clock.now() } };
    this.#entries.set(line.lineId, entry);
    if (!line.enabled || this.#halted) {
      if (!hadRegistration) this.emit('state', { ...entry.state });
      return;
    }
    let registration: LineRegistration;
    try {
      registration = new LineRegistration({
        line,
        endpoint: this.#endpoint,
        expiresS: this.#options.expiresS,
        retry: { minMs: this.#options.retryMinMs, maxMs: Math.max(this.#options.retryMinMs, this.#options.retryMaxMs) },
        queue: this.#queue,
        logger: this.#logger,
        metrics: this.#metrics,
        clock: this.#options.clock,
        random: this.#options.random,
      });
    } catch (err) {
      entry.state = { lineId: line.lineId, status: 'failed', reason: (err as Error).message.slice(0, 256), at: this.#clock.now() };
      this.#metrics.registerFailures.inc({ reason: 'config' });
      this.emit('state', { ...entry.state });
      return;
    }
    entry.registration = registration;
    this.#holdRegistrar(registration.address.destination.host);
    registration.on('state', (state) => this.emit('state', state));
    this.#watchRegistrar(registration);
    if (previous) void previous.then(() => registration.start());
    else registration.start();
  }

  remove(lineId: string): void {
    const entry = this.#entries.get(lineId);
    if (!entry) return;
    this.#retire(entry, 'unregistered', true);
  }

  line(lineId: string): LineConfig | undefined {
    return this.#entries.get(lineId)?.line;
  }

  /** Lines whose number is `user` (the Request-URI user of an incoming INVITE). */
  linesForNumber(user: string): LineConfig[] {
    const ids = this.#byNumber.get(user);
    if (!ids) return [];
    return [...ids].map((id) => this.#entries.get(id)?.line).filter((l): l is LineConfig => l !== undefined);
  }

  state(lineId: string): LineRegistrationState | undefined {
    const e = this.#entries.get(lineId);
    if (!e) return undefined;
    return e.registration ? e.registration.state : { ...e.state };
  }

  snapshot(): LineRegistrationState[] {
    return [...this.#entries.values()].map((e) => (e.registration ? e.registration.state : { ...e.state }));
  }

  *statuses(): Iterable<RegistrationStatus> {
    for (const e of this.#entries.values()) yield e.registration ? e.registration.status : e.state.status;
  }

  /** Un-registers every line (bounded by `timeoutMs`) and stops all timers. Idempotent. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const k of this.#keepalives.values()) k.keepalive.close();
    this.#keepalives.clear();
    const stops = [...this.#entries.values()].map((e) => e.registration?.stop({ unregister: true, timeoutMs }));
    await Promise.all([...stops, ...this.#stopping]);
    this.#queue.close();
  }

  /**
   * Stops every registration and keepalive at once without un-registering: this instance lost the active
   * lease, and another one may register the lines now with its own Contact (our bindings stay at the
   * registrar until they expire). The lines are kept; resume() registers them again. The registrars stay
   * trusted meanwhile: the calls we still carry talk to them.
   */
  halt(): void {
    if (this.#closed || this.#halted) return;
    this.#halted = true;
    for (const k of this.#keepalives.values()) k.keepalive.close();
    this.#keepalives.clear();
    for (const e of this.#entries.values()) {
      const registration = e.registration;
      if (!registration) continue;
      e.registration = undefined;
      e.state = { lineId: e.line.lineId, status: 'unregistered', reason: 'not the active instance', at: this.#clock.now() };
      this.#haltedHosts.push(registration.address.destination.host);
      registration.removeAllListeners('state');
      void registration.stop({ unregister: false, timeoutMs: 0 });
      this.emit('state', { ...e.state });
    }
  }

  /** After halt(): every kept line registers again (fresh bindings with our Contact). */
  resume(): void {
    if (this.#closed || !this.#halted) return;
    this.#halted = false;
    const held = this.#haltedHosts.splice(0);
    for (const e of [...this.#entries.values()]) {
      if (e.refused !== undefined) continue;
      this.#entries.delete(e.line.lineId);
      this.#unindex(e.line);
      this.upsert(e.line);
    }
    for (const host of held) this.#releaseRegistrar(host);
  }

  get halted(): boolean {
    return this.#halted;
  }

  #index(line: LineConfig): void {
    let set = this.#byNumber.get(line.number);
    if (!set) this.#byNumber.set(line.number, (set = new Set()));
    set.add(line.lineId);
  }

  #unindex(line: LineConfig): void {
    const set = this.#byNumber.get(line.number);
    set?.delete(line.lineId);
    if (set?.size === 0) this.#byNumber.delete(line.number);
  }

  /** Stops an entry's registration (un-registering in the background) and its keepalive reference. */
  #retire(entry: Entry, finalStatus: RegistrationStatus, forget: boolean): Promise<void> | undefined {
    this.#unindex(entry.line);
    if (forget) this.#entries.delete(entry.line.lineId);
    const registration = entry.registration;
    entry.registration = undefined;
    if (!registration) {
      if (forget) this.emit('state', { lineId: entry.line.lineId, status: 'unregistered', at: this.#clock.now() });
      return undefined;
    }
    this.#unwatchRegistrar(registration);
    // The final state of an old binding is reported only when the line is gone or disabled: a
    // re-registration with new settings reports its own states.
    if (forget || finalStatus === 'disabled') registration.on('state', (state) => this.emit('state', state));
    const stopping = registration.stop({ unregister: true, timeoutMs: this.#options.unregisterTimeoutMs ?? 2000, finalStatus });
    this.#stopping.add(stopping);
    // The registrar stays trusted until its answer to the un-REGISTER is in (or timed out).
    void stopping.finally(() => {
      this.#stopping.delete(stopping);
      this.#releaseRegistrar(registration.address.destination.host);
    });
    return stopping;
  }

  /** Registrar hosts of the lines with a registration (the PBXs whose SIP requests we serve). */
  registrarHosts(): string[] {
    return [...this.#registrarHosts.keys()];
  }

  #holdRegistrar(host: string): void {
    const n = this.#registrarHosts.get(host) ?? 0;
    this.#registrarHosts.set(host, n + 1);
    if (n === 0) this.emit('registrars', this.registrarHosts());
  }

  #releaseRegistrar(host: string): void {
    const n = this.#registrarHosts.get(host) ?? 0;
    if (n > 1) {
      this.#registrarHosts.set(host, n - 1);
      return;
    }
    if (!this.#registrarHosts.delete(host)) return;
    this.emit('registrars', this.registrarHosts());
  }

  #watchRegistrar(registration: LineRegistration): void {
    const intervalS = this.#options.optionsIntervalS;
    if (!(intervalS > 0) || !this.#endpoint.has(registration.line.transport)) return;
    const key = registration.address.registrarKey;
    let watched = this.#keepalives.get(key);
    if (!watched) {
      const keepalive = new RegistrarKeepalive({
        address: registration.address,
        endpoint: this.#endpoint,
        intervalMs: intervalS * 1000,
        logger: this.#logger,
        metrics: this.#metrics,
        clock: this.#options.clock,
      });
      const w = { keepalive, lines: new Set<string>() };
      keepalive.on('down', (reason) => {
        for (const id of w.lines) this.#entries.get(id)?.registration?.registrarDown(reason);
      });
      keepalive.on('up', () => {
        for (const id of w.lines) this.#entries.get(id)?.registration?.reRegister();
      });
      keepalive.start();
      this.#keepalives.set(key, w);
      watched = w;
    }
    watched.lines.add(registration.line.lineId);
  }

  #unwatchRegistrar(registration: LineRegistration): void {
    const key = registration.address.registrarKey;
    const watched = this.#keepalives.get(key);
    if (!watched) return;
    watched.lines.delete(registration.line.lineId);
    if (watched.lines.size === 0) {
      watched.keepalive.close();
      this.#keepalives.delete(key);
    }
  }
}
