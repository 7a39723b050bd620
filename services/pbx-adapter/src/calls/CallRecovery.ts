// After a restart: the calls of the earlier run (their snapshots in PbxBuckets.calls, written by
// CallSnapshots) that this run does not carry are ended, each within the bounds below, so that no call
// outlives a crash of the adapter: toward the PBX a BYE in the recorded dialog (next CSeq; the line's
// credentials when the PBX challenges it; a BYE the PBX sends us meanwhile is answered 200), the CANCEL of
// a pending INVITE, or the 480 of a pending incoming one; on the bus the call's 'disconnected' (cause
// 'service-restart', seq after the last stored one; a snapshot holding a 'disconnected' that may not have
// been stored is stored again, same seq, which consumers ignore as a duplicate); on the media node its
// legs are closed (every call's events and media first, then the SIP teardowns). Then the snapshot is
// deleted. Failures are logged and counted; the events are closed in
// any case (a PBX that never answers must not keep the call open on our side).
import type { CallEvent, LineConfig, Logger, PbxCallSnapshot, PbxCallTeardown } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import {
  Dialog,
  DigestClient,
  DigestError,
  nextHop,
  parseMessage,
  systemClock,
  type Clock,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../sip/mod.ts';
import type { DialogHandler } from '../userAgent/SipEndpointTypes.ts';
import type { CallRecoveryOptions, CallRecoveryReport, TeardownOutcome } from './CallRecoveryTypes.ts';

/** Runs `fn` over `items`, at most `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, () => worker()));
}
import { dialogRecord } from './teardown.ts';

export class CallRecovery {
  readonly #options: CallRecoveryOptions;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #clock: Clock;
  readonly #sipTimeoutMs: number;
  readonly #attempts: number;
  #running: Promise<CallRecoveryReport> | undefined;

  constructor(options: CallRecoveryOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'call-recovery' });
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
    this.#sipTimeoutMs = options.sipTimeoutMs ?? 3000;
    this.#attempts = Math.max(1, options.attempts ?? 2);
  }

  /** Ends every left-over call once; a second call returns the first run's report. */
  run(): Promise<CallRecoveryReport> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<CallRecoveryReport> {
    const t0 = this.#clock.now();
    const keys = (await this.#options.store.keys()).filter((k) => !this.#options.carried(k));
    const report: CallRecoveryReport = { found: keys.length, ended: 0, failed: 0 };
    if (keys.length === 0) return report;
    this.#logger.warn({ calls: keys.length }, 'calls of the earlier run found; ending them');
    // First every call's end on the bus and its media, then the SIP teardowns: a BYE may find nobody
    // (a standby on another host ends a dead adapter's dialogs; the PBX relays each BYE to the dead
    // end) and take its timeouts, which must not keep clients and the journal waiting, batch after batch.
    const pending: Array<{ callId: string; snapshot: PbxCallSnapshot }> = [];
    await pool([...keys], 32, async (callId) => {
      const closed = await this.#close(callId).catch((err: unknown) => {
        this.#logger.error({ callId, err }, 'recovering the call failed');
        report.failed += 1;
        return undefined;
      });
      if (closed === 'ended') report.ended += 1;
      else if (closed) pending.push({ callId, snapshot: closed });
    });
    await pool(pending, this.#options.concurrency ?? 8, async ({ callId, snapshot }) => {
      const log = this.#logger.child({ callId, lineId: snapshot.event.lineId });
      const outcome = await this.#teardown(snapshot, log).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'SIP teardown failed');
        return 'failed' as const;
      });
      await this.#options.store.delete(callId).catch((err: unknown) => log.warn({ err }, 'snapshot not deleted'));
      this.#metrics.callsRecovered.inc({ teardown: snapshot.teardown.kind, outcome });
      log[outcome === 'ended' ? 'info' : 'warn']({ teardown: snapshot.teardown.kind, outcome, state: snapshot.event.state }, 'call of the earlier run ended');
      if (outcome === 'ended') report.ended += 1;
      else report.failed += 1;
    });
    this.#logger.info({ ...report, ms: this.#clock.now() - t0 }, 'calls of the earlier run ended');
    return report;
  }

  /**
   * The call's end on the bus and on its media node; 'ended' when nothing more is due (an ended call's
   * last event stored again), else the snapshot whose SIP teardown follows; undefined: nothing to end.
   */
  async #close(callId: string): Promise<PbxCallSnapshot | 'ended' | undefined> {
    // From the bucket's leader: a replica still catching up (a NATS server restarted a moment ago) could
    // answer a direct get with an older snapshot, or none, and a call would be ended wrongly or not at all.
    const snapshot = (await this.#options.store.entry(callId))?.value;
    if (!snapshot || this.#options.carried(callId)) {
      // Expired or unreadable (logged by the bus), or a call of this run after all: nothing to end.
      if (!snapshot) await this.#options.store.delete(callId);
      return undefined;
    }
    if (snapshot.event.state === 'disconnected') {
      // The call had ended; its last event may not have been stored. Same seq: a duplicate is ignored.
      await this.#options.publish(snapshot.event);
      await this.#options.store.delete(callId);
      this.#metrics.callsRecovered.inc({ teardown: 'closed', outcome: 'ended' });
      this.#logger.info({ callId, lineId: snapshot.event.lineId }, 'ended call: its last event stored again');
      return 'ended';
    }
    await Promise.all([
      this.#options.publish(disconnected(snapshot.event, this.#clock.now())),
      snapshot.event.mediaNodeId ? this.#options.media.close(snapshot.event.mediaNodeId, callId, 'service-restart') : undefined,
    ]);
    return snapshot;
  }

  #teardown(snapshot: PbxCallSnapshot, log: Logger): Promise<TeardownOutcome> {
    const teardown: PbxCallTeardown = snapshot.teardown;
    switch (teardown.kind) {
      case 'bye':
        return this.#bye(teardown, snapshot.event.lineId, log);
      case 'cancel':
        return this.#cancel(teardown, log);
      case 'reject':
        return this.#reject(teardown);
      case 'none':
        return Promise.resolve('ended');
    }
  }

  /** BYE in the recorded dialog, with the next CSeq; answered 481/408 means the dialog is gone already. */
  async #bye(teardown: Extract<PbxCallTeardown, { kind: 'bye' }>, lineId: string, log: Logger): Promise<TeardownOutcome> {
    const dialog = Dialog.restore(dialogRecord(teardown.dialog));
    const endpoint = this.#options.endpoint;
    let byeFromPbx = false;
    // The PBX may hang up at the same time (or relay the BYE of our own other leg): that ends it too.
    const handler: DialogHandler = {
      handleRequest: (request: SipRequest, tx: ServerTransaction) => {
        if (request.method === 'BYE') {
          byeFromPbx = true;
          endpoint.reply(tx, 200);
        } else {
          endpoint.reply(tx, 481);
        }
      },
      handleAck: () => undefined,
      handleStrayResponse: () => undefined,
    };
    endpoint.addDialog(dialog.key, handler);
    try {
      let digest: DigestClient | undefined;
      for (let attempt = 1; attempt <= this.#attempts && !byeFromPbx; attempt++) {
        let bye = dialog.createRequest('BYE', { headers: [['Reason', 'SIP;cause=500;text="service restart"']] });
        let response: SipResponse;
        try {
          response = await endpoint.request(bye, nextHop(bye), { timeoutMs: this.#sipTimeoutMs });
          if (response.status === 401 || response.status === 407) {
            digest ??= await this.#digestFor(lineId);
            if (!digest) return 'failed';
            bye = digest.retry(bye, response);
            response = await endpoint.request(bye, nextHop(bye), { timeoutMs: this.#sipTimeoutMs });
          }
        } catch (err) {
          if (err instanceof DigestError) {
            log.warn({ err: err.message }, 'BYE challenged; credentials refused');
            return 'failed';
          }
          log.info({ attempt, err: (err as Error).message }, 'BYE not answered');
          continue;
        }
        if ((response.status >= 200 && response.status < 300) || response.status === 481 || response.status === 408) return 'ended';
        log.info({ attempt, status: response.status }, 'BYE refused');
      }
      return byeFromPbx ? 'ended' : 'failed';
    } finally {
      endpoint.removeDialog(dialog.key, handler);
    }
  }

  async #digestFor(lineId: string): Promise<DigestClient | undefined> {
    const line: LineConfig | undefined = await this.#options.line(lineId);
    if (!line) {
      this.#logger.warn({ lineId }, 'BYE challenged but the line is unknown');
      return undefined;
    }
    return new DigestClient({ credentials: { username: line.authUser || line.number, password: line.authPassword } });
  }

  /** The pending INVITE's CANCEL (its 487 finds no transaction here any more and is dropped). */
  async #cancel(teardown: Extract<PbxCallTeardown, { kind: 'cancel' }>, log: Logger): Promise<TeardownOutcome> {
    const cancel = parseMessage(Buffer.from(teardown.request, 'utf8'));
    if (cancel.type !== 'request' || cancel.method !== 'CANCEL') throw new TypeError('the snapshot\'s CANCEL is no CANCEL');
    try {
      const response = await this.#options.endpoint.request(cancel, teardown.destination, { timeoutMs: this.#sipTimeoutMs });
      // 481: the INVITE had completed (answered or failed) before the crash; its dialog, if any, has no BYE here.
      return response.status < 300 || response.status === 481 ? 'ended' : 'failed';
    } catch (err) {
      log.info({ err: (err as Error).message }, 'CANCEL not answered');
      return 'failed';
    }
  }

  /** The 480 to the PBX's pending INVITE, sent statelessly (over UDP three times, T1 and 2·T1 apart). */
  async #reject(teardown: Extract<PbxCallTeardown, { kind: 'reject' }>): Promise<TeardownOutcome> {
    const response = parseMessage(Buffer.from(teardown.response, 'utf8'));
    if (response.type !== 'response') throw new TypeError('the snapshot\'s refusal is no response');
    const layer = this.#options.endpoint.layer;
    const t1 = this.#options.t1Ms ?? 500;
    const sends = teardown.destination.protocol === 'UDP' ? [0, t1, 3 * t1] : [0];
    let sent = 0;
    for (const at of sends) {
      if (at > 0) await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, at - (sends[sends.indexOf(at) - 1] ?? 0)));
      await layer.sendStateless(response, teardown.destination).then(() => (sent += 1), (err: unknown) => this.#logger.info({ err: (err as Error).message }, 'refusal not sent'));
    }
    return sent > 0 ? 'ended' : 'failed';
  }
}

/** The call's end after `last`: seq + 1, now, state disconnected, cause service-restart. */
export function disconnected(last: CallEvent, at: number): CallEvent {
  const { hold: _hold, sipStatus: _status, sipReason: _reason, cause: _cause, ...base } = last;
  return { ...base, seq: last.seq + 1, at, state: 'disconnected', cause: 'service-restart' };
}
