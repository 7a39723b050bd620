import type { PbxAdapterHeartbeat } from '@ucserver/shared';

/** One pbx-adapter as the System page lists it. */
export interface PbxAdapterView {
  /** The instance (host and SIP address): its lease identity. */
  instance: string;
  host: string;
  sip: string;
  role: PbxAdapterHeartbeat['role'];
  /** Who holds the lease as this adapter last saw it. */
  leaseHolder: string | null;
  version: string;
  startedAt: number;
  /** When its last heartbeat arrived (our clock). */
  lastSeen: number;
  heartbeatAgeMs: number;
  /** Heard within 3 of its intervals, and not fenced. */
  ok: boolean;
}

/** Adapters remembered at most (a bound: a host that changes its SIP port each start adds one each time). */
const MAX_ADAPTERS = 64;

/**
 * Every pbx-adapter heard on `pbx-adapter.heartbeat` (active, standbys, fenced), for the admin console:
 * one entry per instance, the newest run's; an adapter silent for 3 of its intervals shows as down and is
 * forgotten after 20 (or a minute, whichever is longer).
 */
export class PbxAdapters {
  readonly #byInstance = new Map<string, { hb: PbxAdapterHeartbeat; seen: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  heard(hb: PbxAdapterHeartbeat): void {
    const known = this.#byInstance.get(hb.holder);
    if (known && known.hb.startedAt > hb.startedAt) return;
    if (!known && this.#byInstance.size >= MAX_ADAPTERS) this.#forgetOldest();
    this.#byInstance.set(hb.holder, { hb, seen: this.#now() });
  }

  /** Every adapter heard lately: the active one first, then by instance. */
  list(): PbxAdapterView[] {
    const now = this.#now();
    const views: PbxAdapterView[] = [];
    for (const [instance, { hb, seen }] of [...this.#byInstance]) {
      const age = Math.max(0, now - seen);
      if (age > Math.max(60_000, 20 * hb.intervalMs)) {
        this.#byInstance.delete(instance);
        continue;
      }
      views.push({ instance, host: hb.host, sip: hb.sip, role: hb.role, leaseHolder: hb.leaseHolder, version: hb.version, startedAt: hb.startedAt, lastSeen: seen, heartbeatAgeMs: age, ok: age <= 3 * hb.intervalMs && hb.role !== 'fenced' && hb.role !== 'stopped' });
    }
    return views.sort((a, b) => Number(b.role === 'active' && b.ok) - Number(a.role === 'active' && a.ok) || a.instance.localeCompare(b.instance));
  }

  #forgetOldest(): void {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [instance, { seen }] of this.#byInstance) if (seen < at) [oldest, at] = [instance, seen];
    if (oldest !== undefined) this.#byInstance.delete(oldest);
  }
}
