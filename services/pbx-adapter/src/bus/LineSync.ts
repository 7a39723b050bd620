// Keeps Registrations in line with the gateway's lines: LineCommands.list at start (retried with
// backoff until the gateway answers), again periodically and after every NATS reconnect (changes may
// have been missed meanwhile), and every LineChanged event as it comes. Changes that arrive while a
// list request is in flight are applied again after the list, so the snapshot cannot undo them. Each
// line's SIP password arrives sealed; it is opened here with LINE_CREDENTIALS_KEY, and a line whose
// password does not open (another key, altered) is refused: `failed` with the reason, never registered.
import {
  LineCommands,
  LineTopics,
  openLineConfig,
  SealedSecretError,
  type BusClient,
  type BusConnectionState,
  type LineChanged,
  type LineConfig,
  type Logger,
  type SealedLineConfig,
  type SealingKey,
  type Unsubscribe,
} from '@ucserver/shared';
import { backoffDelay } from '../registration/backoff.ts';
import type { LineSyncOptions } from './LineSyncTypes.ts';


export class LineSync {
  readonly #bus: BusClient;
  readonly #registrations: LineSyncOptions['registrations'];
  readonly #credentialsKey: SealingKey;
  readonly #logger: Logger;
  readonly #resyncIntervalMs: number;
  readonly #retry: { minMs: number; maxMs: number };
  #subscription: Unsubscribe | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #listing = false;
  #again = false;
  readonly #changesDuringList: LineChanged[] = [];
  #synced!: () => void;
  /** Resolves once a list from the gateway was applied. */
  readonly synced: Promise<void> = new Promise((resolve) => (this.#synced = resolve));
  #stopped = false;
  readonly #onState = (state: BusConnectionState): void => {
    if (state === 'connected') {
      this.#logger.info('NATS reconnected; resyncing lines');
      this.resync();
    }
  };

  constructor(options: LineSyncOptions) {
    this.#bus = options.bus;
    this.#registrations = options.registrations;
    this.#credentialsKey = options.credentialsKey;
    this.#logger = options.logger.child({ component: 'line-sync' });
    this.#resyncIntervalMs = options.resyncIntervalMs ?? 300_000;
    this.#retry = { minMs: options.retryMinMs ?? 500, maxMs: options.retryMaxMs ?? 10_000 };
  }

  start(): void {
    if (this.#subscription || this.#stopped) return;
    this.#subscription = this.#bus.subscribe(LineTopics.changed, (change) => this.#apply(change));
    this.#bus.on('state', this.#onState);
    this.#resyncTimer = setInterval(() => this.resync(), this.#resyncIntervalMs);
    this.#resyncTimer.unref();
    this.resync();
  }

  /** Requests the full list now (retrying until the gateway answers). */
  resync(): void {
    if (this.#stopped) return;
    if (this.#listing) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#listing = true;
    void this.#list(1);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#subscription?.unsubscribe();
    this.#bus.off('state', this.#onState);
    clearInterval(this.#resyncTimer);
    clearTimeout(this.#retryTimer);
  }

  async #list(attempt: number): Promise<void> {
    const lines: SealedLineConfig[] = [];
    try {
      // All pages first: Registrations.apply() treats the list as complete (unlisted lines are removed).
      let offset: number | null = 0;
      while (offset !== null) {
        const page: { lines: SealedLineConfig[]; nextOffset: number | null } = await this.#bus.lines.request(LineCommands.list, { offset, limit: 1000 });
        lines.push(...page.lines);
        offset = page.nextOffset;
      }
    } catch (err) {
      if (this.#stopped) return;
      const delay = backoffDelay(attempt, this.#retry);
      this.#logger.warn({ err: (err as Error).message, retryInMs: delay }, 'line list not available; retrying');
      this.#retryTimer = setTimeout(() => void this.#list(attempt + 1), delay);
      this.#retryTimer.unref();
      return;
    }
    if (this.#stopped) return;
    const usable: LineConfig[] = [];
    const refused: Array<{ line: LineConfig; reason: string }> = [];
    for (const sealed of lines) {
      const opened = this.#open(sealed);
      if ('reason' in opened) refused.push(opened);
      else usable.push(opened.line);
    }
    this.#registrations.apply(usable, refused);
    for (const change of this.#changesDuringList.splice(0)) this.#applyNow(change);
    this.#listing = false;
    this.#logger.info({ lines: lines.length }, 'lines synchronised');
    this.#synced();
    if (this.#again) {
      this.#again = false;
      this.resync();
    }
  }

  #apply(change: LineChanged): void {
    if (this.#listing) this.#changesDuringList.push(change);
    this.#applyNow(change);
  }

  #applyNow(change: LineChanged): void {
    if (change.kind === 'remove') {
      this.#registrations.remove(change.lineId);
      return;
    }
    const opened = this.#open(change.line);
    if ('reason' in opened) this.#registrations.refuse(opened.line, opened.reason);
    else this.#registrations.upsert(opened.line);
  }

  /**
   * The line with its password in clear, or the line (password empty) and why it is refused. A disabled
   * line needs no password: it is kept as disabled, and its next change (enabling it) is opened again.
   */
  #open(sealed: SealedLineConfig): { line: LineConfig } | { line: LineConfig; reason: string } {
    try {
      return { line: openLineConfig(this.#credentialsKey, sealed) };
    } catch (err) {
      if (!(err instanceof SealedSecretError)) throw err;
      const line: LineConfig = { ...sealed, authPassword: '' };
      if (!sealed.enabled) return { line };
      this.#logger.error({ lineId: sealed.lineId, err: err.message }, 'line refused: its SIP password does not open');
      return { line, reason: `SIP password does not open: ${err.message}` };
    }
  }
}
