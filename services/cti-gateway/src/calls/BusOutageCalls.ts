// The gateway's part of a bus outage longer than BUS_OUTAGE_GRACE_MS: no hang-up of a client can reach the
// pbx-adapter and no call event can reach us, so the calls cannot be controlled any more. Every call still
// up in the call table is ended here with cause 'bus-outage' (a 'disconnected' applied locally, the next
// seq): its softphone gets asnAVDropCall, its monitors the CTI disconnected, with that cause, while the
// bus is still down. The pbx-adapter, down too, ends its side (BYE) and stores its own 'disconnected' for
// the journal; once the bus is back, the calls ended here are also dropped there, for the case that only
// the gateway's connection was down (an adapter that no longer has them answers "not found"), and a little
// later the journal is reconciled with the adapter's live calls as at a start (rows nobody carries: 'lost').
import { DEFAULT_SETTLE_MS, type CallEvent, type Logger } from '@ucserver/shared';
import type { BusOutageCallsOptions } from './BusOutageCallsTypes.ts';

/** Calls remembered for the drop after the outage, at most (a bound, not an expected size). */
const MAX_REMEMBERED = 100_000;

export class BusOutageCalls {
  readonly #options: BusOutageCallsOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #ended = new Set<string>();
  #reconcileTimer: NodeJS.Timeout | undefined;
  readonly #onExceeded = (): void => {
    this.endAll();
  };
  readonly #onRestored = (_downMs: number, exceeded: boolean): void => {
    if (!exceeded) return;
    void this.dropEnded();
    const reconcile = this.#options.reconcile;
    if (!reconcile || this.#reconcileTimer) return;
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = undefined;
      reconcile().catch((err: unknown) => this.#logger.warn({ err: (err as Error).message }, 'journal not reconciled after the bus outage'));
    }, this.#options.reconcileAfterMs ?? DEFAULT_SETTLE_MS);
    this.#reconcileTimer.unref();
  };

  constructor(options: BusOutageCallsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'bus-outage-calls' });
    this.#now = options.now ?? Date.now;
    options.outage.on('graceexceeded', this.#onExceeded);
    options.outage.on('restored', this.#onRestored);
  }

  /** Ends every call of the table that is not disconnected, with cause 'bus-outage'; returns how many. */
  endAll(): number {
    let n = 0;
    for (const call of this.#options.calls.list()) {
      if (call.state === 'disconnected') continue;
      const event: CallEvent = {
        callId: call.callId,
        lineId: call.lineId,
        lineNumber: call.lineNumber,
        seq: call.lastSeq + 1,
        at: this.#now(),
        state: 'disconnected',
        direction: call.direction,
        remoteNumber: call.remoteNumber,
        ...(call.remoteName === undefined ? {} : { remoteName: call.remoteName }),
        cause: 'bus-outage',
        ...(call.mediaNodeId === undefined ? {} : { mediaNodeId: call.mediaNodeId }),
        ...(call.mediaPath === undefined ? {} : { mediaPath: call.mediaPath }),
      };
      this.#options.calls.applyCallEvent(event);
      if (this.#ended.size < MAX_REMEMBERED) this.#ended.add(call.callId);
      n += 1;
    }
    if (n > 0) this.#logger.warn({ calls: n }, "bus down past BUS_OUTAGE_GRACE_MS: calls ended (cause 'bus-outage')");
    return n;
  }

  /** Drops the calls ended during the outage at the pbx-adapter (bus back); resolves when all answered. */
  async dropEnded(): Promise<void> {
    const owns = this.#options.owns ?? (() => true);
    const ids = [...this.#ended].filter(owns);
    this.#ended.clear();
    await Promise.all(ids.map((callId) => this.#options.pbx.drop(callId, 'bus-outage').then(
      () => this.#logger.info({ callId }, 'call ended during the bus outage dropped at the pbx-adapter'),
      (err: unknown) => this.#logger.debug({ callId, err: (err as Error).message }, 'the pbx-adapter had already ended the call'),
    )));
  }

  /** Stops listening. Idempotent. */
  close(): void {
    this.#options.outage.off('graceexceeded', this.#onExceeded);
    this.#options.outage.off('restored', this.#onRestored);
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#ended.clear();
  }
}
