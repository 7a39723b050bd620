import { sql } from 'drizzle-orm';
import { createSelectSchema } from 'drizzle-zod';
import { bigint, boolean, check, index, integer, jsonb, pgSequence, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** People who log in (softphone users and admins). Passwords are stored as scrypt hashes only. */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  login: text('login').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'user'] }).notNull().default('user'),
  /** A disabled user cannot log in (password or token); an admin enables them again. */
  disabled: boolean('disabled').notNull().default(false),
  /**
   * The version of the user's credentials, signed into every login token: raised when the password
   * changes or the user is disabled, so every token issued before dies at once.
   */
  tokenVersion: integer('token_version').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [check('users_role_check', sql`${t.role} in ('admin', 'user')`)]);

/** SIP subscriber lines at the PBX, registered by the pbx-adapter on behalf of their owners. */
export const lines = pgTable('lines', {
  id: uuid('id').primaryKey().defaultRandom(),
  number: text('number').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  sipUri: text('sip_uri').notNull(),
  registrar: text('registrar').notNull(),
  transport: text('transport', { enum: ['udp', 'tcp', 'tls'] }).notNull().default('udp'),
  authUser: text('auth_user').notNull().default(''),
  authPassword: text('auth_password').notNull().default(''),
  ownerUserId: uuid('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check('lines_transport_check', sql`${t.transport} in ('udp', 'tcp', 'tls')`),
  index('lines_owner_idx').on(t.ownerUserId),
]);

/** One forwarding entry of a line (asnCtiSetForward): mode, destination, no-answer seconds. */
export interface LineForwardEntry {
  mode: 'immediate' | 'busy' | 'no-answer';
  destination: string;
  /** Seconds of ringing before a no-answer forward; 0 = FORWARD_NO_ANSWER_DEFAULT_S. */
  noAnswerS: number;
}

/**
 * Call routing a user set on a line, honoured by the server (cti-gateway): do-not-disturb and the
 * forwards. One row per line that has any; survives restarts.
 */
export const lineRouting = pgTable('line_routing', {
  lineId: uuid('line_id').primaryKey().references(() => lines.id, { onDelete: 'cascade' }),
  dnd: boolean('dnd').notNull().default(false),
  forwards: jsonb('forwards').$type<LineForwardEntry[]>().notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The capture policy of a line: while `enabled`, the gateway captures every call of the line from its
 * first event with a media node (see the admin API's PUT /lines/{number}/capture).
 */
export const lineCapture = pgTable('line_capture', {
  lineId: uuid('line_id').primaryKey().references(() => lines.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(false),
  /** The admin who set it last. */
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Global journal transaction counter (ENetUC iTransactionID): grows on every journal change. */
export const journalTransactionSeq = pgSequence('journal_transaction_seq');

/** The call journal: one row per call on one of our lines. */
export const calls = pgTable('calls', {
  callId: text('call_id').primaryKey(),
  lineId: uuid('line_id').references(() => lines.id, { onDelete: 'set null' }),
  /** Copied, so the journal survives line deletion and renumbering. */
  lineNumber: text('line_number').notNull(),
  ownerUserId: uuid('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
  direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
  remoteNumber: text('remote_number').notNull().default(''),
  remoteName: text('remote_name').notNull().default(''),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
  answeredAt: timestamp('answered_at', { withTimezone: true, mode: 'date' }),
  endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  /** Seconds connected (0 when never answered); null while the call runs. */
  durationS: integer('duration_s'),
  disconnectCause: text('disconnect_cause'),
  sipStatus: integer('sip_status'),
  mediaPath: text('media_path', { enum: ['pbx', 'direct'] }),
  /** When the media node reported mediaPath: a report that arrives later but is older (retried) loses. */
  mediaPathAt: timestamp('media_path_at', { withTimezone: true, mode: 'date' }),
  mediaNode: text('media_node'),
  lossPercent: real('loss_percent'),
  jitterMs: real('jitter_ms'),
  rttMs: real('rtt_ms'),
  /** The call carried video (the media node saw a camera's or the PBX's video stream). */
  video: boolean('video').notNull().default(false),
  /**
   * A ringing call a colleague picked up (asnCtiPickupCall): the picker's line number. This row (the
   * line it rang on) ends there with cause 'picked-up'; the call goes on in the picker's row.
   */
  pickedUpBy: text('picked_up_by'),
  /** Last call-event sequence number applied, so redelivered events are ignored. */
  lastSeq: integer('last_seq').notNull().default(0),
  readFlag: boolean('read_flag').notNull().default(false),
  memo: text('memo').notNull().default(''),
  deleted: boolean('deleted').notNull().default(false),
  transactionId: bigint('transaction_id', { mode: 'number' }).notNull().default(sql`nextval('journal_transaction_seq')`),
}, (t) => [
  check('calls_direction_check', sql`${t.direction} in ('inbound', 'outbound')`),
  check('calls_media_path_check', sql`${t.mediaPath} is null or ${t.mediaPath} in ('pbx', 'direct')`),
  index('calls_line_started_idx').on(t.lineId, t.startedAt),
  index('calls_owner_started_idx').on(t.ownerUserId, t.startedAt),
  index('calls_transaction_idx').on(t.transactionId),
]);

/**
 * A pickup group (asnCtiPickupCall): a user may take a call ringing on a line of a group they share,
 * as a member user (all their lines) or through one of their lines. Set by the admin.
 */
export const pickupGroups = pgTable('pickup_groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A member of a pickup group: a line or a user (exactly one of the two). */
export const pickupGroupMembers = pgTable('pickup_group_members', {
  groupId: uuid('group_id').notNull().references(() => pickupGroups.id, { onDelete: 'cascade' }),
  lineId: uuid('line_id').references(() => lines.id, { onDelete: 'cascade' }),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
}, (t) => [
  check('pickup_group_members_one_check', sql`(${t.lineId} is null) <> (${t.userId} is null)`),
  uniqueIndex('pickup_group_members_line_idx').on(t.groupId, t.lineId),
  uniqueIndex('pickup_group_members_user_idx').on(t.groupId, t.userId),
]);

/**
 * A user's manual presence (ENetUC absent state and custom note), kept across gateway restarts. No row:
 * absent state "not set", empty note. `absentState` null means "not set" too (asnResetUserAbsentState).
 */
export const userPresence = pgTable('user_presence', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  /** AsnAbsentStateEnum (0 not absent, 1 out of office, 2 busy, 3 do not disturb), null = not set. */
  absentState: integer('absent_state'),
  absentFrom: timestamp('absent_from', { withTimezone: true }),
  absentTo: timestamp('absent_to', { withTimezone: true }),
  /** AsnReachabilityEnum, null = not given. */
  reachability: integer('reachability'),
  note: text('note').notNull().default(''),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [check('user_presence_absent_check', sql`${t.absentState} is null or ${t.absentState} between 0 and 4`)]);

/**
 * A user's own buddy list (ENetUC client content): the group clusters they arranged and the contacts
 * they added, as the client sent them (validated, bounded), with a revision raised on every change. The
 * default group of all users is computed, never stored.
 */
export const clientContent = pgTable('client_content', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  revision: integer('revision').notNull().default(0),
  /** AsnClientContentGroupCluster[] (wire form). */
  clusters: jsonb('clusters').notNull().default([]),
  /** AsnNetDatabaseContact[] added by the client (wire form). */
  contacts: jsonb('contacts').notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Secrets the services generate for themselves on first start and share through the database, e.g. the
 * HMAC key of login tokens when AUTH_TOKEN_SECRET is not configured: tokens then survive a restart and
 * every gateway on the database accepts them. Whoever reads this table could forge tokens — as whoever
 * reads `users` could replace a password hash: protect the database alike.
 */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;
export type ClientContentRow = typeof clientContent.$inferSelect;
export type UserPresenceRow = typeof userPresence.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type LineRow = typeof lines.$inferSelect;
export type NewLineRow = typeof lines.$inferInsert;
export type CallRow = typeof calls.$inferSelect;
export type PickupGroupRow = typeof pickupGroups.$inferSelect;
export type NewCallRow = typeof calls.$inferInsert;

// Row schemas derived from the tables (the single source of truth); APIs narrow them with pick/omit/extend.
export const UserSelect = createSelectSchema(users);
export const LineSelect = createSelectSchema(lines);
export const CallSelect = createSelectSchema(calls);
