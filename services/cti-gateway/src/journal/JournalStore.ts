import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { dbSchema, type CallRow, type Db } from '@ucserver/shared/db';

const { calls } = dbSchema;

export interface JournalQuery {
  lineNumber?: string | undefined;
  ownerUserId?: string | undefined;
  direction?: 'inbound' | 'outbound' | undefined;
  /** Calls started at or after. */
  from?: Date | undefined;
  /** Calls started before. */
  to?: Date | undefined;
  /** Only entries with a transaction id greater than this (ENetUC differential reads). */
  afterTransactionId?: number | undefined;
  includeDeleted?: boolean | undefined;
  /** Remote numbers to match exactly (ENetUC u8slistPhoneNumber). */
  remoteNumbers?: string[] | undefined;
  /** Case-insensitive substring of remote number, remote name or memo. */
  text?: string | undefined;
  /** true: answered calls only; false: never answered only. */
  connected?: boolean | undefined;
  unreadOnly?: boolean | undefined;
  /** How the call ended (its disconnect cause). */
  cause?: string | undefined;
  mediaPath?: 'pbx' | 'direct' | undefined;
  limit: number;
  offset?: number | undefined;
}

/** Reads of the call journal, newest first. */
export class JournalStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(q: JournalQuery): Promise<{ entries: CallRow[]; total: number }> {
    const where = this.#where(q);
    const [entries, [count]] = await Promise.all([
      this.#db.select().from(calls).where(where).orderBy(desc(calls.startedAt), desc(calls.transactionId)).limit(q.limit).offset(q.offset ?? 0),
      this.#db.select({ n: sql<number>`count(*)::int` }).from(calls).where(where),
    ]);
    return { entries, total: count?.n ?? 0 };
  }

  async get(callId: string): Promise<CallRow | undefined> {
    const [row] = await this.#db.select().from(calls).where(eq(calls.callId, callId));
    return row;
  }

  async setRead(ownerUserId: string, callIds: string[] | 'all', read: boolean): Promise<number> {
    const cond = callIds === 'all' ? eq(calls.ownerUserId, ownerUserId) : and(eq(calls.ownerUserId, ownerUserId), inArray(calls.callId, callIds));
    const rows = await this.#db.update(calls).set({ readFlag: read, transactionId: sql`nextval('journal_transaction_seq')` }).where(cond).returning({ id: calls.callId });
    return rows.length;
  }

  async markDeleted(ownerUserId: string, callIds: string[]): Promise<number> {
    const rows = await this.#db.update(calls)
      .set({ deleted: true, transactionId: sql`nextval('journal_transaction_seq')` })
      .where(and(eq(calls.ownerUserId, ownerUserId), inArray(calls.callId, callIds)))
      .returning({ id: calls.callId });
    return rows.length;
  }

  #where(q: JournalQuery): SQL | undefined {
    const conds: SQL[] = [];
    if (q.lineNumber !== undefined) conds.push(eq(calls.lineNumber, q.lineNumber));
    if (q.ownerUserId !== undefined) conds.push(eq(calls.ownerUserId, q.ownerUserId));
    if (q.direction !== undefined) conds.push(eq(calls.direction, q.direction));
    if (q.from !== undefined) conds.push(gte(calls.startedAt, q.from));
    if (q.to !== undefined) conds.push(lt(calls.startedAt, q.to));
    if (q.afterTransactionId !== undefined) conds.push(sql`${calls.transactionId} > ${q.afterTransactionId}`);
    if (!q.includeDeleted) conds.push(eq(calls.deleted, false));
    if (q.remoteNumbers?.length) conds.push(inArray(calls.remoteNumber, q.remoteNumbers));
    if (q.text) {
      const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conds.push(sql`(${calls.remoteNumber} ilike ${like} or ${calls.remoteName} ilike ${like} or ${calls.memo} ilike ${like})`);
    }
    if (q.connected === true) conds.push(sql`${calls.answeredAt} is not null`);
    if (q.connected === false) conds.push(sql`${calls.answeredAt} is null`);
    if (q.unreadOnly) conds.push(eq(calls.readFlag, false));
    if (q.cause !== undefined) conds.push(eq(calls.disconnectCause, q.cause));
    if (q.mediaPath !== undefined) conds.push(eq(calls.mediaPath, q.mediaPath));
    return conds.length ? and(...conds) : undefined;
  }
}
