import { and, eq, sql } from 'drizzle-orm';
import { dbSchema, type ClientContentRow, type UserRow } from '@ucserver/shared/db';
import type {
  AsnChangeClientContentArgument,
  AsnClientContentChangedArgument,
  AsnClientContentGroupCluster,
  AsnGetClientContentResult,
  AsnNetDatabaseContact,
  InvokeHandlers,
} from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import type { ClientContentServiceOptions } from './ClientContentServiceTypes.ts';

const { clientContent } = dbSchema;

/** The computed group of all users: its cluster and group id (never stored, not editable). */
export const DEFAULT_CLUSTER_ID = 'ucserver-all-users';
/** `u8sEntryIDDB` of contacts that are users of this server. */
export const USERS_DB = 'ucserver';
/** Bounds of what a user may store. */
const MAX_CLUSTERS = 100;
const MAX_CONTACTS = 2000;
const MAX_STORED_BYTES = 512 * 1024;

/** AsnRequestError numbers of the client-content operations. */
export const ContentError = { generalerror: 1, revisionconflict: 2, toolarge: 3 } as const;

type Ops = 'asnGetClientContent' | 'asnSubscribeClientContent' | 'asnUnsubscribeClientContent' | 'asnChangeClientContent';

/**
 * The buddy list (ENetUC client content): one computed cluster "All users" with every enabled user of
 * the server, plus the clusters and contacts the user arranged (`client_content`, revisioned, changed
 * with asnChangeClientContent against the revision it was based on). Subscribed sessions of the user
 * get every change as asnClientContentChanged (the structure always as a whole).
 */
export class ClientContentService {
  readonly #o: ClientContentServiceOptions;
  readonly #subscribers = new Set<ClientSession>();

  constructor(options: ClientContentServiceOptions) {
    this.#o = options;
    options.sessions.on('sessionclose', (s) => this.#subscribers.delete(s));
    // the group of all users changed: every subscriber gets its whole content again
    options.users.on('userchanged', () => void this.#pushAll().catch((err: unknown) => options.logger.warn({ err }, 'client content push failed')));
  }

  async #pushAll(): Promise<void> {
    const byUser = new Map<string, ClientSession[]>();
    for (const s of this.#subscribers) {
      if (!s.user) continue;
      const list = byUser.get(s.user.id) ?? [];
      list.push(s);
      byUser.set(s.user.id, list);
    }
    for (const sessions of byUser.values()) {
      const changed = await this.#changed(sessions[0]!.requireUser);
      for (const s of sessions) s.sendEvent('asnClientContentChanged', changed);
    }
  }

  async #row(userId: string): Promise<ClientContentRow | undefined> {
    const [row] = await this.#o.db.select().from(clientContent).where(eq(clientContent.userId, userId));
    return row;
  }

  /** Every enabled user as a contact (login as entry id, display name, first line's number). */
  async #userContacts(): Promise<AsnNetDatabaseContact[]> {
    const [users, lines] = await Promise.all([this.#o.users.list(), this.#o.lines.list()]);
    const numberOf = new Map<string, string>();
    for (const l of lines) if (l.ownerUserId && !numberOf.has(l.ownerUserId)) numberOf.set(l.ownerUserId, l.number);
    return users.filter((u) => !u.disabled).map((u) => ({
      u8sEntryID: u.login,
      u8sEntryIDDB: USERS_DB,
      u8sEntryIDStore: '',
      u8sDisplayName: u.displayName || u.login,
      u8sCtiServerUserName: u.login,
      ...(numberOf.has(u.id) ? { u8sPhoneBusiness: numberOf.get(u.id)! } : {}),
    }));
  }

  #defaultCluster(contacts: AsnNetDatabaseContact[]): AsnClientContentGroupCluster {
    return {
      u8sID: DEFAULT_CLUSTER_ID,
      u8sName: 'All users',
      iIsEditable: 0,
      iIsPersistent: 0,
      iIsTabbed: 0,
      u8sNeighbourClusterID: '',
      listGroups: [{
        u8sID: DEFAULT_CLUSTER_ID,
        u8sName: 'All users',
        u8sOrderBy: 'u8sDisplayName',
        iAutorefresh: 0,
        iExpanded: 1,
        iIsEditable: 0,
        iIsPersistent: 0,
        listItems: contacts.map((c) => {
          const id = { u8sEntryID: c.u8sEntryID ?? '', u8sEntryIDDB: USERS_DB, u8sEntryIDStore: '' };
          return { u8sID: `user:${c.u8sEntryID}`, u8sPresenceID: c.u8sEntryID ?? '', iIsEditable: 0, listNetDatabaseContactIDs: [id], selectedNetDatabaseContactID: id };
        }),
      }],
    };
  }

  /** The whole content of a user. */
  async contentOf(user: UserRow): Promise<AsnGetClientContentResult> {
    const [row, users] = await Promise.all([this.#row(user.id), this.#userContacts()]);
    const revision = String(row?.revision ?? 0);
    const own = (row?.clusters ?? []) as AsnClientContentGroupCluster[];
    const added = (row?.contacts ?? []) as AsnNetDatabaseContact[];
    return {
      u8sContentRevision: revision,
      contactList: [...users, ...added],
      contentstructure: { iIsEditable: 1, u8sVersion: '2', u8sRevision: revision, u8sLastWriter: '', listGroupClusters: [this.#defaultCluster(users), ...own] },
    };
  }

  async #changed(user: UserRow): Promise<AsnClientContentChangedArgument> {
    const c = await this.contentOf(user);
    return { iRevision: Number(c.u8sContentRevision), addedOrChangedContacts: c.contactList, listContentstructure: c.contentstructure.listGroupClusters, iFlags: 0 };
  }

  /** Applies a change based on `arg.iRevision`; resolves to the new revision. */
  async change(user: UserRow, arg: AsnChangeClientContentArgument): Promise<number> {
    const row = await this.#row(user.id);
    const current = row?.revision ?? 0;
    if (arg.iRevision !== current) {
      throw new CtiRequestError(ContentError.revisionconflict, `the content is at revision ${current}, the change was based on ${arg.iRevision}: get it again and re-apply`);
    }
    const key = (c: { u8sEntryID?: string | undefined; u8sEntryIDDB?: string | undefined }) => `${c.u8sEntryIDDB ?? ''}\u0000${c.u8sEntryID ?? ''}`;
    let contacts = arg.iFlags === 1 ? [] : ((row?.contacts ?? []) as AsnNetDatabaseContact[]);
    const removed = new Set((arg.removedContacts ?? []).map(key));
    contacts = contacts.filter((c) => !removed.has(key(c)));
    for (const c of arg.addedOrChangedContacts ?? []) {
      if (c.u8sEntryIDDB === USERS_DB) continue; // users of the server are computed, not stored
      contacts = [...contacts.filter((x) => key(x) !== key(c)), c];
    }
    let clusters = (row?.clusters ?? []) as AsnClientContentGroupCluster[];
    if (arg.listContentstructure) clusters = arg.listContentstructure.filter((c) => c.u8sID !== DEFAULT_CLUSTER_ID);
    if (clusters.length > MAX_CLUSTERS || contacts.length > MAX_CONTACTS) {
      throw new CtiRequestError(ContentError.toolarge, `at most ${MAX_CLUSTERS} group clusters and ${MAX_CONTACTS} own contacts`);
    }
    const bytes = Buffer.byteLength(JSON.stringify({ clusters, contacts }));
    if (bytes > MAX_STORED_BYTES) throw new CtiRequestError(ContentError.toolarge, `the content would be ${bytes} bytes; at most ${MAX_STORED_BYTES}`);
    const next = current + 1;
    const written = row
      ? await this.#o.db.update(clientContent).set({ revision: next, clusters, contacts, updatedAt: sql`now()` })
        .where(and(eq(clientContent.userId, user.id), eq(clientContent.revision, current))).returning()
      : await this.#o.db.insert(clientContent).values({ userId: user.id, revision: next, clusters, contacts }).onConflictDoNothing().returning();
    if (written.length === 0) throw new CtiRequestError(ContentError.revisionconflict, `the content changed meanwhile (was revision ${current}): get it again and re-apply`);
    const changed = await this.#changed(user);
    for (const s of this.#subscribers) if (s.user?.id === user.id) s.sendEvent('asnClientContentChanged', changed);
    return next;
  }

  operations(): { invokes: Pick<InvokeHandlers<ClientSession>, Ops>; events: Record<string, never> } {
    return {
      invokes: {
        asnGetClientContent: (_arg, session) => this.contentOf(session.requireUser),
        asnSubscribeClientContent: async (_arg, session) => {
          const user = session.requireUser;
          this.#subscribers.add(session);
          const changed = await this.#changed(user);
          // sent after this result (the session holds events while an invoke runs)
          session.sendEvent('asnClientContentChanged', changed);
          return { iRevision: changed.iRevision };
        },
        asnUnsubscribeClientContent: (_arg, session) => {
          this.#subscribers.delete(session);
          return {};
        },
        asnChangeClientContent: async (arg, session) => ({ iRevision: await this.change(session.requireUser, arg) }),
      },
      events: {},
    };
  }
}
