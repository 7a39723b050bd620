// The pbx-adapter's metrics (`ucserver_pbx_adapter_…`), registered on the registry the composition root
// passes in. No per-call or per-line labels: lines are aggregated by registration status, calls by
// direction and cause, SIP messages by method and status class (all bounded sets).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { metricPrefix, type RegistrationStatus } from '@ucserver/shared';

/** Methods counted by name; anything else is counted as 'other' (labels stay bounded). */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'REFER', 'NOTIFY', 'PRACK', 'SUBSCRIBE', 'MESSAGE']);
const LEASE_ROLES = ['active', 'standby', 'fenced'] as const;
const STATUSES: RegistrationStatus[] = ['unregistered', 'registering', 'registered', 'failed', 'disabled'];

const methodLabel = (method: string): string => (KNOWN_METHODS.has(method) ? method : 'other');
const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

export type Direction = 'in' | 'out';

export class PbxAdapterMetrics {
  readonly registrations: Gauge<'status'>;
  readonly registerAttempts: Counter;
  readonly registerFailures: Counter<'reason'>;
  readonly callsActive: Gauge<'direction'>;
  readonly callSetupOutcomes: Counter<'direction' | 'outcome'>;
  readonly callSetupSeconds: Histogram<'direction'>;
  readonly sipRequests: Counter<'direction' | 'method'>;
  readonly sipResponses: Counter<'direction' | 'method' | 'class'>;
  readonly sipDropped: Counter<'reason'>;
  readonly sipScreened: Counter<'reason'>;
  readonly transactionTimeouts: Counter<'method' | 'timer'>;
  readonly keepaliveFailures: Counter;
  readonly callEventPublishFailures: Counter;
  readonly mediaCommandFailures: Counter<'command'>;
  readonly snapshotWriteFailures: Counter;
  readonly callsRecovered: Counter<'teardown' | 'outcome'>;
  readonly callsAbandoned: Counter<'cause'>;
  readonly leaseRole: Gauge<'role'>;
  readonly leaseTransitions: Counter<'role'>;
  #leaseRoleSource: () => string | undefined = () => undefined;
  #registrationSource: () => Iterable<RegistrationStatus> = () => [];

  constructor(registry: Registry) {
    const p = metricPrefix('pbx-adapter');
    const registers = [registry];
    const source = (): Iterable<RegistrationStatus> => this.#registrationSource();
    this.registrations = new Gauge({
      name: `${p}registrations`,
      help: 'Lines by registration status',
      labelNames: ['status'],
      registers,
      collect() {
        const counts = new Map<RegistrationStatus, number>(STATUSES.map((s) => [s, 0]));
        for (const s of source()) counts.set(s, (counts.get(s) ?? 0) + 1);
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    this.registerAttempts = new Counter({ name: `${p}register_attempts_total`, help: 'REGISTER transactions sent (refreshes and un-registrations included)', registers });
    this.registerFailures = new Counter({
      name: `${p}register_failures_total`,
      help: 'Failed registrations by reason (status class, timeout, transport, auth)',
      labelNames: ['reason'],
      registers,
    });
    this.callsActive = new Gauge({ name: `${p}calls_active`, help: 'Calls in progress by direction', labelNames: ['direction'], registers });
    for (const direction of ['inbound', 'outbound']) this.callsActive.set({ direction }, 0);
    this.callSetupOutcomes = new Counter({
      name: `${p}call_setup_outcomes_total`,
      help: 'How call setups ended: answered, or the cause they failed with',
      labelNames: ['direction', 'outcome'],
      registers,
    });
    this.callSetupSeconds = new Histogram({
      name: `${p}call_setup_seconds`,
      help: 'Time from INVITE sent/received to the answered dialog (ACK)',
      labelNames: ['direction'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.sipRequests = new Counter({ name: `${p}sip_requests_total`, help: 'SIP requests received (in) and sent (out, retransmissions included)', labelNames: ['direction', 'method'], registers });
    this.sipResponses = new Counter({ name: `${p}sip_responses_total`, help: 'SIP responses received and sent by method and status class', labelNames: ['direction', 'method', 'class'], registers });
    this.sipDropped = new Counter({ name: `${p}sip_dropped_total`, help: 'SIP messages dropped (malformed, stray responses, limits)', labelNames: ['reason'], registers });
    this.sipScreened = new Counter({
      name: `${p}sip_screened_total`,
      help: 'SIP messages the trust screen refused (403) or dropped, by reason: rate-limited, untrusted-source, untrusted-ack, untrusted-response, not-registered-line',
      labelNames: ['reason'],
      registers,
    });
    this.transactionTimeouts = new Counter({ name: `${p}sip_transaction_timeouts_total`, help: 'SIP transactions that timed out (Timer B, F, H, L)', labelNames: ['method', 'timer'], registers });
    this.keepaliveFailures = new Counter({ name: `${p}keepalive_failures_total`, help: 'OPTIONS keepalives to a registrar that got no answer', registers });
    this.callEventPublishFailures = new Counter({ name: `${p}call_event_publish_failures_total`, help: 'Call events that could not be stored in the CALLS stream', registers });
    this.mediaCommandFailures = new Counter({ name: `${p}media_command_failures_total`, help: 'Media node commands that failed', labelNames: ['command'], registers });
    this.snapshotWriteFailures = new Counter({ name: `${p}call_snapshot_write_failures_total`, help: 'Crash-recovery snapshots of calls that could not be written or deleted', registers });
    this.callsRecovered = new Counter({
      name: `${p}calls_recovered_total`,
      help: 'Calls of an earlier run ended after a restart, by SIP teardown (bye, cancel, reject, none, closed) and outcome (ended, failed)',
      labelNames: ['teardown', 'outcome'],
      registers,
    });
    const role = (): string | undefined => this.#leaseRoleSource();
    this.leaseRole = new Gauge({
      name: `${p}lease_role`,
      help: 'The active lease (issue 18): 1 for the role this instance has now (active, standby, fenced), 0 for the others',
      labelNames: ['role'],
      registers,
      collect() {
        const now = role();
        for (const r of LEASE_ROLES) this.set({ role: r }, r === now ? 1 : 0);
      },
    });
    this.leaseTransitions = new Counter({ name: `${p}lease_transitions_total`, help: 'Changes of this instance\'s lease role, by the role it entered', labelNames: ['role'], registers });
    this.callsAbandoned = new Counter({ name: `${p}calls_abandoned_total`, help: 'Calls ended because their owner was lost (cause gateway-lost)', labelNames: ['cause'], registers });
  }

  /** Where the lease role gauge reads this instance's role from (called on every scrape). */
  set leaseRoleSource(source: () => string | undefined) {
    this.#leaseRoleSource = source;
  }

  /** Where the registrations gauge reads the current statuses from (called on every scrape). */
  set registrationSource(source: () => Iterable<RegistrationStatus>) {
    this.#registrationSource = source;
  }

  sipMessage(direction: Direction, message: { type: 'request'; method: string } | { type: 'response'; status: number; method: string }): void {
    if (message.type === 'request') this.sipRequests.inc({ direction, method: methodLabel(message.method) });
    else this.sipResponses.inc({ direction, method: methodLabel(message.method), class: statusClass(message.status) });
  }
}
