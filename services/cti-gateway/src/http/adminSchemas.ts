import { z } from 'zod';
import { CallCause, CodecName, LineRegistrationState, MediaQuality } from '@ucserver/shared';
import { dbSchema } from '@ucserver/shared/db';

/** Dates cross the API as ISO 8601 strings. */
const isoDate = z.iso.datetime();

export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const Login = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits, . _ @ - (1–64)');
export const LineNumber = z.string().regex(/^[A-Za-z0-9+*#._-]{1,32}$/, 'a phone number or extension (1–32 of A-Z a-z 0-9 + * # . _ -)');
const Registrar = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'host[:port]');
/** Free text an admin stores (names, credentials, destinations): no U+0000, which no PostgreSQL text holds. */
const Text = (max: number) => z.string().max(max).refine((v) => !v.includes('\u0000'), 'U+0000 (NUL) is not allowed');
const Role = z.enum(['admin', 'user']);
const Transport = z.enum(['udp', 'tcp', 'tls']);

export const UserOut = dbSchema.UserSelect.omit({ passwordHash: true, tokenVersion: true }).extend({ createdAt: isoDate, updatedAt: isoDate });
export type UserOut = z.infer<typeof UserOut>;
export const UserCreate = z.object({
  login: Login,
  password: Text(256).min(4),
  displayName: Text(128).optional(),
  role: Role.optional(),
  disabled: z.boolean().optional().describe('A disabled user cannot log in; disabling closes their sessions and kills their tokens'),
});
export const UserPatch = UserCreate.omit({ login: true }).partial();

export const LineOut = dbSchema.LineSelect.omit({ authPassword: true, ownerUserId: true }).extend({
  owner: Login.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  registration: LineRegistrationState.omit({ lineId: true }).nullable(),
  routing: z.object({
    dnd: z.boolean(),
    forwards: z.array(z.object({ mode: z.enum(['immediate', 'busy', 'no-answer']), destination: z.string(), noAnswerS: z.number().int() })),
  }).describe("Do-not-disturb and forwards of the line, as its user (CTI, the softphone) or an admin (PUT /lines/{n}/routing) set them"),
});
export type LineOut = z.infer<typeof LineOut>;
export const LineCreate = z.object({
  number: LineNumber,
  registrar: Registrar,
  transport: Transport.optional(),
  authUser: Text(128).optional(),
  authPassword: Text(256).optional(),
  owner: Login.nullable().optional(),
  displayName: Text(128).optional(),
  sipUri: z.string().regex(/^sips?:[^\s]{1,250}$/, 'a sip: or sips: URI').optional(),
  enabled: z.boolean().optional(),
});
export const LinePatch = LineCreate.omit({ number: true }).partial();
/** An admin's change of a line's DND and forwards: a field left out stays; `forwards` replaces them all. */
export const LineRoutingPut = z.object({
  dnd: z.boolean().optional(),
  forwards: z.array(z.object({
    mode: z.enum(['immediate', 'busy', 'no-answer']),
    destination: Text(256).min(1).describe('A number, or a tel:/sip: URI whose user part is dialled'),
    noAnswerS: z.number().int().min(0).max(300).optional().describe('no-answer only: seconds of ringing first (default 20)'),
  })).max(3).optional().describe('At most one per mode'),
});

export const ActiveCallOut = z.object({
  callId: z.string(),
  line: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  state: z.string(),
  remoteNumber: z.string(),
  remoteName: z.string().optional(),
  createdAt: isoDate,
  connectedAt: isoDate.optional(),
  hold: z.string().optional(),
  mediaNode: z.string().optional(),
  mediaPath: z.enum(['pbx', 'direct']).optional(),
  durationS: z.number().int().describe('Seconds since the call started'),
  worker: z.number().int().optional().describe('The mediasoup worker (index on the media node) carrying the call'),
  codec: CodecName.optional(),
  quality: MediaQuality.extend({
    mos: z.number().describe('MOS estimate 1–4.5 (E-model from loss, jitter, RTT)'),
    at: isoDate.describe('When the media node measured it (it reports every MEDIA_STATS_INTERVAL_MS)'),
  }).optional(),
});

export const UserClientOut = z.object({
  sessionId: z.string(),
  transport: z.enum(['tcp', 'websocket', 'rest']),
  address: z.string(),
  secure: z.boolean(),
  since: isoDate,
  softphone: z.boolean().describe('true: a softphone that takes calls; false: CTI only'),
});

export const LoginIn = z.object({ login: Login, password: Text(256).min(1) });
export const LoginOut = z.object({
  token: z.string().describe('Bearer token for this API, for AUTH_TOKEN_TTL_S'),
  login: Login,
  displayName: z.string().nullable(),
  expiresInS: z.number().int(),
});

export const JournalQuery = z.object({
  line: LineNumber.optional(),
  user: Login.optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  result: z.enum(['answered', 'unanswered', ...CallCause.options]).optional().describe('answered / unanswered, or how the call ended (its disconnect cause)'),
  path: z.enum(['pbx', 'direct']).optional().describe('The media path the call took'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const JournalEntryOut = dbSchema.CallSelect.omit({ lastSeq: true, ownerUserId: true, lineId: true }).extend({
  startedAt: isoDate,
  answeredAt: isoDate.nullable(),
  endedAt: isoDate.nullable(),
});
export const JournalPage = z.object({ entries: z.array(JournalEntryOut), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

export const MediaNodeOut = z.object({
  nodeId: z.string(),
  addresses: z.array(z.string()),
  workers: z.number(),
  workersAlive: z.number(),
  calls: z.number(),
  legs: z.number(),
  load: z.number(),
  draining: z.boolean(),
  lastSeen: isoDate,
  heartbeatAgeMs: z.number().int(),
  startedAt: isoDate,
  workerStats: z.array(z.object({ index: z.number().int(), pid: z.number().int(), calls: z.number().int().optional(), routers: z.number().int(), cpu: z.number() })),
});

export const NodeDrainIn = z.object({ draining: z.boolean().default(true).describe('false: take calls again') });
export const NodeDrainOut = z.object({ draining: z.boolean(), calls: z.number().int().describe('Calls the node still carries') });

export const SystemOut = z.object({
  at: isoDate,
  components: z.array(z.object({
    name: z.string(),
    ok: z.boolean(),
    detail: z.string(),
    version: z.string().optional(),
    startedAt: isoDate.optional(),
    uptimeS: z.number().int().optional(),
    latencyMs: z.number().optional(),
  })),
  pbxAdapters: z.array(z.object({
    instance: z.string().describe('Host and SIP address: the adapter\'s identity in the active lease'),
    host: z.string(),
    sip: z.string().describe('Its SIP listener as the PBX reaches it'),
    role: z.enum(['starting', 'standby', 'active', 'fenced', 'stopped']),
    leaseHolder: z.string().nullable().describe('Who holds the active lease, as this adapter last saw it'),
    version: z.string(),
    startedAt: isoDate,
    lastSeen: isoDate,
    heartbeatAgeMs: z.number().int(),
    ok: z.boolean().describe('Heard within 3 of its heartbeat intervals, and neither fenced nor stopped'),
  })).describe('Every pbx-adapter (active and standbys) from its heartbeat on the bus'),
  gateways: z.array(z.object({
    instanceId: z.string().describe('GATEWAY_INSTANCE_ID'),
    host: z.string().optional(),
    version: z.string().optional(),
    clients: z.number().int().optional().describe('Authenticated client sessions on it'),
    journal: z.boolean().optional().describe('It writes the journal (the lowest live instance id)'),
    self: z.boolean().describe('The gateway that answered this request'),
    startedAt: isoDate,
    lastSeen: isoDate,
    heartbeatAgeMs: z.number().int(),
    ok: z.boolean().describe('Heard within 3 of its heartbeat intervals'),
  })).describe('Every cti-gateway sharing the clients, from its heartbeat on the bus'),
  links: z.array(z.object({ name: z.string(), url: z.string() })),
});
