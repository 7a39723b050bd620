import type { PbxAdapterHeartbeat } from '@ucserver/shared';
import { HeartbeatRoster } from './HeartbeatRoster.ts';

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

/** Adapters remembered at most (a host that changes its SIP port each start adds one each time). */
const MAX_ADAPTERS = 64;

/** Every pbx-adapter heard on `pbx-adapter.heartbeat` (active, standbys, fenced), for the admin console. */
export class PbxAdapters {
  readonly #roster: HeartbeatRoster<PbxAdapterHeartbeat>;

  constructor(now: () => number = Date.now) {
    this.#roster = new HeartbeatRoster(MAX_ADAPTERS, now);
  }

  heard(hb: PbxAdapterHeartbeat): void {
    this.#roster.heard(hb.holder, hb);
  }

  /** Every adapter heard lately: the active one first, then by instance. */
  list(): PbxAdapterView[] {
    const views = this.#roster.list().map(({ key, hb, seen, ageMs, alive }): PbxAdapterView => ({
      instance: key, host: hb.host, sip: hb.sip, role: hb.role, leaseHolder: hb.leaseHolder, version: hb.version, startedAt: hb.startedAt,
      lastSeen: seen, heartbeatAgeMs: ageMs, ok: alive && hb.role !== 'fenced' && hb.role !== 'stopped',
    }));
    return views.sort((a, b) => Number(b.role === 'active' && b.ok) - Number(a.role === 'active' && a.ok) || a.instance.localeCompare(b.instance));
  }
}
