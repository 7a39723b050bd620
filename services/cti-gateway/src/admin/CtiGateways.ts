import type { GatewayHeartbeat } from '@ucserver/shared';
import { HeartbeatRoster } from './HeartbeatRoster.ts';

/** One cti-gateway run as the System page lists it. */
export interface CtiGatewayView {
  instanceId: string;
  /** Fields of newer gateways (an older one's heartbeat lacks them). */
  host?: string;
  version?: string;
  /** Authenticated client sessions on it. */
  clients?: number;
  /** It writes the journal (the lowest live instance id). */
  journal?: boolean;
  /** The gateway answering this request. */
  self: boolean;
  startedAt: number;
  lastSeen: number;
  heartbeatAgeMs: number;
  /** Heard within 3 of its intervals. */
  ok: boolean;
}

/** Gateway instances remembered at most (a bound: the default instance id is the host name). */
const MAX_GATEWAYS = 64;

/**
 * Every cti-gateway sharing the clients, heard on `gateway.heartbeat` (this one's own beats included: the
 * bus echoes them), for the admin console's System page.
 */
export class CtiGateways {
  readonly #roster: HeartbeatRoster<GatewayHeartbeat>;
  readonly #selfId: string;

  constructor(selfId: string, now: () => number = Date.now) {
    this.#selfId = selfId;
    this.#roster = new HeartbeatRoster(MAX_GATEWAYS, now);
  }

  heard(hb: GatewayHeartbeat): void {
    this.#roster.heard(hb.instanceId, hb);
  }

  /** Every gateway heard lately: this one first, then by instance id. */
  list(): CtiGatewayView[] {
    const views = this.#roster.list().map(({ key, hb, seen, ageMs, alive }): CtiGatewayView => ({
      instanceId: key,
      ...(hb.host === undefined ? {} : { host: hb.host }),
      ...(hb.version === undefined ? {} : { version: hb.version }),
      ...(hb.clients === undefined ? {} : { clients: hb.clients }),
      ...(hb.journal === undefined ? {} : { journal: hb.journal }),
      self: key === this.#selfId,
      startedAt: hb.startedAt, lastSeen: seen, heartbeatAgeMs: ageMs, ok: alive,
    }));
    return views.sort((a, b) => Number(b.self) - Number(a.self) || a.instanceId.localeCompare(b.instanceId));
  }
}
