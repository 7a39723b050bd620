import { z } from 'zod';
import { command, Empty, Id, topic } from './contract.ts';
import { SealedSecret } from './sealedSecret.ts';

export const SipTransport = z.enum(['udp', 'tcp', 'tls']);
export type SipTransport = z.infer<typeof SipTransport>;

/**
 * What the pbx-adapter needs to register and use one line, as the cti-gateway (the DB owner) and the
 * pbx-adapter hold it in memory: the SIP password in clear. It never travels so: on the bus it is a
 * {@link SealedLineConfig}.
 */
export const LineConfig = z.object({
  lineId: Id,
  number: z.string().min(1).max(64),
  displayName: z.string().max(128),
  sipUri: z.string().min(1).max(256),
  registrar: z.string().min(1).max(256),
  transport: SipTransport,
  authUser: z.string().max(128),
  authPassword: z.string().max(256),
  ownerUserId: Id.nullable(),
  enabled: z.boolean(),
});
export type LineConfig = z.infer<typeof LineConfig>;

/**
 * A line on the bus: its SIP password sealed (AES-256-GCM, LINE_CREDENTIALS_KEY, the line id as
 * associated data) for the pbx-adapter, so whoever may read `lines.*` (or the replies) sees no password
 * (bus/lineCredentials.ts seals and opens it).
 */
export const SealedLineConfig = LineConfig.extend({ authPassword: SealedSecret });
export type SealedLineConfig = z.infer<typeof SealedLineConfig>;

/** One page of the line list: a reply must fit NATS's max_payload (1 MiB ≈ 2 800 typical lines with their sealed passwords, ~360 bytes each), so it is paged. */
export const LinesListRequest = z.object({
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(2000).default(1000),
});
export type LinesListRequest = z.infer<typeof LinesListRequest>;

export const LinesListReply = z.object({
  lines: z.array(SealedLineConfig),
  total: z.number().int().min(0),
  /** Offset of the next page, null on the last one. */
  nextOffset: z.number().int().min(0).nullable(),
});
export type LinesListReply = z.infer<typeof LinesListReply>;

export const LineChanged = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upsert'), line: SealedLineConfig }),
  z.object({ kind: z.literal('remove'), lineId: Id }),
]);
export type LineChanged = z.infer<typeof LineChanged>;

export const RegistrationStatus = z.enum(['unregistered', 'registering', 'registered', 'failed', 'disabled']);
export type RegistrationStatus = z.infer<typeof RegistrationStatus>;

export const LineRegistrationState = z.object({
  lineId: Id,
  status: RegistrationStatus,
  /** Epoch ms when the current binding expires (registered only). */
  expiresAt: z.number().int().optional(),
  /** Last SIP status from the registrar, if any. */
  sipStatus: z.number().int().optional(),
  reason: z.string().max(256).optional(),
  at: z.number().int(),
});
export type LineRegistrationState = z.infer<typeof LineRegistrationState>;

export const LineTopics = {
  /** gateway → pbx-adapter: every admin change of a line. */
  changed: topic('lines.changed', LineChanged),
  /** pbx-adapter → gateway: a line's registration state, on `lines.registration.<lineId>`. */
  registration: topic('lines.registration', LineRegistrationState, (s) => s.lineId),
} as const;

export const RegistrationQueryReply = z.object({
  states: z.array(LineRegistrationState),
  /** The answering pbx-adapter: its version and start (ms since the epoch), for the admin console's System page. */
  service: z.object({ version: z.string().max(64), startedAt: z.number().int() }).optional(),
});

export const LineCommands = {
  /** pbx-adapter → cti-gateway: every configured line (enabled or not), one page per request. */
  list: command('lines', 'list', LinesListRequest, LinesListReply),
  /** cti-gateway → pbx-adapter: the current registration state of every line it knows. */
  registrations: command('lines', 'registrations', Empty, RegistrationQueryReply),
} as const;
