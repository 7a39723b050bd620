// What the admin API answers (services/cti-gateway/src/http/adminSchemas.ts), as the console reads it.

export interface User {
  id: string;
  login: string;
  displayName: string;
  role: 'admin' | 'user';
  disabled: boolean;
  createdAt: string;
}

export interface UserClient {
  sessionId: string;
  transport: string;
  address: string;
  since: string;
  softphone: boolean;
}

export interface Line {
  id: string;
  number: string;
  registrar: string;
  transport: 'udp' | 'tcp' | 'tls';
  authUser: string | null;
  owner: string | null;
  displayName: string;
  enabled: boolean;
  registration: { status: string; at: number; sipStatus?: number; reason?: string; expiresAt?: number } | null;
  routing: { dnd: boolean; forwards: Array<{ mode: 'immediate' | 'busy' | 'no-answer'; destination: string; noAnswerS: number }> };
}

export interface Quality {
  packetsIn: number;
  packetsOut: number;
  lossPercent: number;
  jitterMs: number;
  rttMs?: number;
  mos: number;
  at: string;
}

export interface LiveCall {
  callId: string;
  line: string;
  direction: 'inbound' | 'outbound';
  state: string;
  remoteNumber: string;
  remoteName?: string;
  createdAt: string;
  connectedAt?: string;
  hold?: string;
  mediaNode?: string;
  mediaPath?: 'pbx' | 'direct';
  durationS: number;
  worker?: number;
  codec?: string;
  quality?: Quality;
}

export interface MediaNode {
  nodeId: string;
  addresses: string[];
  workers: number;
  workersAlive: number;
  calls: number;
  legs: number;
  load: number;
  draining: boolean;
  lastSeen: string;
  heartbeatAgeMs: number;
  startedAt: string;
  workerStats: Array<{ index: number; pid: number; calls?: number; routers: number; cpu: number }>;
}

export interface JournalEntry {
  callId: string;
  lineNumber: string;
  direction: 'inbound' | 'outbound';
  remoteNumber: string;
  remoteName: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationS: number | null;
  disconnectCause: string | null;
  sipStatus: number | null;
  mediaPath: 'pbx' | 'direct' | null;
  mediaNode: string | null;
}

export interface SystemHealth {
  at: string;
  components: Array<{ name: string; ok: boolean; detail: string; version?: string; startedAt?: string; uptimeS?: number; latencyMs?: number }>;
  /** Every pbx-adapter (active and standbys) from its heartbeat, the active one first. */
  pbxAdapters: Array<{ instance: string; host: string; sip: string; role: string; leaseHolder: string | null; version: string; startedAt: string; lastSeen: string; heartbeatAgeMs: number; ok: boolean }>;
  gateways: Array<{ instanceId: string; host?: string; version?: string; clients?: number; journal?: boolean; self: boolean; startedAt: string; lastSeen: string; heartbeatAgeMs: number; ok: boolean }>;
  links: Array<{ name: string; url: string }>;
}

/** A pickup group (GET /pickup-groups): members by line number and login. */
export interface PickupGroup {
  id: string;
  name: string;
  lines: string[];
  users: string[];
  createdAt: string;
  updatedAt: string;
}
