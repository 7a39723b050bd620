import type { BusClient, CtiGatewayConfig, GatewayInstance, Logger, MediaPlacement } from '@ucserver/shared';
import type { Database } from '@ucserver/shared/db';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LiveQuality } from '../calls/LiveQuality.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { RegistrationStates } from '../lines/RegistrationStates.ts';
import type { CtiGatewayView } from './CtiGateways.ts';

export interface AdminConsoleOptions {
  config: CtiGatewayConfig;
  logger: Logger;
  database: Database;
  calls: CallRegistry;
  registrations: RegistrationStates;
  /** DND and forwards: a change updates the Lines page. */
  routing: LineRouting;
  quality: LiveQuality;
  instance: GatewayInstance;
  /** The gateway's version (its package.json). */
  version: string;
}

/** What exists only once the bus is connected (GatewayApp.start). */
export interface AdminConsoleBus {
  bus: BusClient;
  pbx: PbxClient;
  placement: MediaPlacement;
}

/** What changed, for the console's live views (one SSE event per kind, coalesced). */
export type AdminChange = 'calls' | 'lines' | 'nodes';

export interface AdminConsoleEvents {
  changed: [kind: AdminChange];
}

/** One part of the system as the System page shows it. */
export interface ComponentHealth {
  name: string;
  ok: boolean;
  detail: string;
  version?: string | undefined;
  startedAt?: string | undefined;
  uptimeS?: number | undefined;
  latencyMs?: number | undefined;
}

/** One pbx-adapter (active, standby, fenced) as its heartbeat said. */
export interface PbxAdapterHealth {
  instance: string;
  host: string;
  sip: string;
  role: 'starting' | 'standby' | 'active' | 'fenced' | 'stopped';
  leaseHolder: string | null;
  version: string;
  startedAt: string;
  lastSeen: string;
  heartbeatAgeMs: number;
  ok: boolean;
}

export interface SystemHealth {
  at: string;
  components: ComponentHealth[];
  /** Every pbx-adapter heard lately, the active one first. */
  pbxAdapters: PbxAdapterHealth[];
  /** Every cti-gateway sharing the clients, this one first. */
  gateways: CtiGatewayHealth[];
  links: Array<{ name: string; url: string }>;
}

/** A gateway as the API returns it: CtiGatewayView with its times as ISO strings. */
export type CtiGatewayHealth = Omit<CtiGatewayView, 'startedAt' | 'lastSeen'> & { startedAt: string; lastSeen: string };
