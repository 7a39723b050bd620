import { excerpt, type Logger } from '@ucserver/shared';
import type { CallRow } from '@ucserver/shared/db';
import { asnTimeFromDate, asnTimeToDate } from '../codec/mod.ts';
import {
  AsnJournalEntryChangedFlags,
  AsnNetDatabaseJournalCallType,
  AsnNetDatabaseJournalFilterEnumeration as Filter,
  type AsnNetDatabaseJournal,
  type AsnNetDatabaseJournalFindOptionsV2,
  type EventHandlers,
  type InvokeHandlers,
} from '../protocol/mod.ts';
import { emptyProjectPinRule, linePhoneNumber } from '../cti/ctiMapping.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { UserStore } from '../users/UserStore.ts';
import type { JournalQuery, JournalStore } from './JournalStore.ts';
import type { JournalWriter } from './JournalWriter.ts';

const FEATURE = 'journal';
const MAX_ENTRIES = 1000;

/** An ENetUC journal entry from a journal row. `ownerLogin` fills the user-name members. */
export function journalEntry(row: CallRow, ownerLogin: string): AsnNetDatabaseJournal {
  const t = (d: Date | null): string => (d ? asnTimeFromDate(d) : '');
  const end = row.endedAt ?? null;
  return {
    u8sConnectionID: row.callId,
    stStartTime: t(row.startedAt),
    stStopTime: t(end),
    iDurationTotal: end ? Math.max(0, Math.round((end.getTime() - row.startedAt.getTime()) / 1000)) : 0,
    stConnectTime: t(row.answeredAt),
    stDisconnectTime: row.answeredAt ? t(end) : '',
    iDurationConnected: row.durationS ?? 0,
    iOrigin: row.direction === 'outbound' ? 1 : 0,
    iInternal: 1,
    u8sLineNumber: linePhoneNumber(row.lineNumber),
    u8sLineName: row.lineNumber,
    u8sLineUserName: ownerLogin,
    iLineUserOffline: 0,
    u8sLocalNumber: row.lineNumber,
    u8sPhoneNumber: row.remoteNumber,
    u8sRedirectingNumber: '',
    u8sContactName: row.remoteName,
    u8sContactCompany: '',
    u8sContactEntryID: '',
    u8sContactEntryStoreID: '',
    u8sContactEntryDBID: '',
    u8sCtiServerUserName: ownerLogin,
    u8sProviderNumber: '',
    iSucessState: row.answeredAt ? 1 : 0,
    u8sSubject: '',
    u8sMemo: row.memo,
    iReadFlag: row.readFlag ? 1 : 0,
    projectPinRule: emptyProjectPinRule,
    u8sTrackerID: row.callId,
    u8sAcceptorName: '',
    u8sAcceptorCtiServerUserName: '',
    u8sAcceptorConnectionID: '',
    optionalParams: {
      CallType: AsnNetDatabaseJournalCallType.eJOURNALCALLTYPESIPAVCALL,
      iTransactionID: row.transactionId,
      ...(row.mediaPath ? { MediaPath: row.mediaPath } : {}),
      // ENetUC_Journal has no video field for PBX calls (its VIDEOCHAT call types are ProCall's own
      // chats): a SIP AV call that carried video says so in a key of ours, like MediaPath.
      ...(row.video ? { Video: 1 } : {}),
      ...(row.disconnectCause ? { DisconnectCause: row.disconnectCause } : {}),
    },
  };
}

/** ENetUC find options → a journal query for the session's user. */
function journalQuery(o: AsnNetDatabaseJournalFindOptionsV2, ownerUserId: string): JournalQuery {
  const from = o.stStartTimeFrom ? asnTimeToDate(o.stStartTimeFrom) : undefined;
  const to = o.stStartTimeTo ? asnTimeToDate(o.stStartTimeTo) : undefined;
  const f = o.iFilter;
  const inbound = (f & Filter.flagInbound) !== 0;
  const outbound = (f & Filter.flagOutbound) !== 0;
  const connected = (f & Filter.flagConnected) !== 0;
  const notConnected = (f & Filter.flagNotConnected) !== 0;
  return {
    ownerUserId,
    from: from ?? undefined,
    to: to ?? undefined,
    direction: inbound && !outbound ? 'inbound' : outbound && !inbound ? 'outbound' : undefined,
    connected: connected && !notConnected ? true : notConnected && !connected ? false : undefined,
    unreadOnly: (f & Filter.flagUnreadOnly) !== 0,
    remoteNumbers: o.u8slistPhoneNumber.length ? o.u8slistPhoneNumber : undefined,
    text: o.u8sFilterText || o.u8sContactName || undefined,
    afterTransactionId: o.iLastKnownGlobTransactionID && o.iLastKnownGlobTransactionID > 0 ? o.iLastKnownGlobTransactionID : undefined,
    limit: o.iMaxNumEntries > 0 ? Math.min(o.iMaxNumEntries, MAX_ENTRIES) : MAX_ENTRIES,
  };
}

export interface JournalServiceDeps {
  journal: JournalStore;
  writer: JournalWriter;
  users: UserStore;
  sessions: SessionRegistry;
  logger: Logger;
}

/**
 * The ENetUC journal: reads of the caller's own entries, read flags, deletion, and
 * asnJournalEntryChanged to subscribed sessions whenever the writer changes one of their rows.
 */
export class JournalService {
  readonly #deps: JournalServiceDeps;

  constructor(deps: JournalServiceDeps) {
    this.#deps = deps;
    deps.writer.on('entrychanged', (row, kind) => void this.#notify(row, kind).catch((err: unknown) => deps.logger.warn({ err }, 'journal event failed')));
  }

  async #notify(row: CallRow, kind: 'added' | 'modified'): Promise<void> {
    if (!row.ownerUserId) return;
    const targets = this.#deps.sessions.ofUser(row.ownerUserId).filter((s) => s.features.get(FEATURE) === true);
    if (targets.length === 0) return;
    const owner = await this.#deps.users.getById(row.ownerUserId);
    const entry = journalEntry(row, owner?.login ?? '');
    for (const s of targets) {
      s.sendEvent('asnJournalEntryChanged', {
        iFlags: kind === 'added' ? AsnJournalEntryChangedFlags.added : AsnJournalEntryChangedFlags.modified,
        journalEntry: entry,
        optionalParams: { iTransactionID: row.transactionId },
      });
    }
  }

  async #entries(session: ClientSession, q: JournalQuery): Promise<AsnNetDatabaseJournal[]> {
    const user = session.requireUser;
    const { entries } = await this.#deps.journal.list(q);
    return entries.map((r) => journalEntry(r, user.login));
  }

  operations(): { invokes: Partial<InvokeHandlers<ClientSession>>; events: Partial<EventHandlers<ClientSession>> } {
    return {
      invokes: {
        asnGetJournalEntriesV2: async (arg, session) => ({ journalList: await this.#entries(session, journalQuery(arg.findOptions, session.requireUser.id)) }),
        asnGetJournalEntriesCountV2: async (arg, session) => {
          const { total } = await this.#deps.journal.list({ ...journalQuery(arg.findOptions, session.requireUser.id), limit: 1 });
          return { iCount: total };
        },
        asnJournalEntryGet: async (arg, session) => {
          const user = session.requireUser;
          const row = await this.#deps.journal.get(arg.u8sConnectionID);
          if (!row || row.deleted || (row.ownerUserId !== user.id && user.role !== 'admin')) {
            throw new CtiRequestError(1, `no journal entry '${excerpt(arg.u8sConnectionID)}'`);
          }
          return { journalEntry: journalEntry(row, user.login) };
        },
        asnJournalSubscribeEvents: async (arg, session) => {
          session.features.set(FEATURE, arg.bReceiveJournalEvents);
          return { iResult: 0 };
        },
        asnGetOfflineJournal: async (arg, session) => {
          const days = arg.iMaxDays > 0 ? arg.iMaxDays : 365;
          const list = await this.#entries(session, { ownerUserId: session.requireUser.id, from: new Date(Date.now() - days * 86_400_000), unreadOnly: true, connected: false, direction: 'inbound', limit: MAX_ENTRIES });
          if (arg.iMarkRead === 1 && list.length) await this.#deps.journal.setRead(session.requireUser.id, list.map((e) => e.u8sConnectionID), true);
          return { journalList: list };
        },
        asnUpdateJournalReadFlag: async (arg, session) => {
          await this.#deps.journal.setRead(session.requireUser.id, arg.u8sConnectionIDList.slice(0, MAX_ENTRIES), arg.bReadFlag);
          return { bSuccess: true };
        },
        asnMarkAllJournalEntriesAsRead: async (_arg, session) => {
          await this.#deps.journal.setRead(session.requireUser.id, 'all', true);
          return { iResult: 0 };
        },
        asnDeleteJournalEntries: async (arg, session) => {
          await this.#deps.journal.markDeleted(session.requireUser.id, arg.u8sConnectionIDList.slice(0, MAX_ENTRIES));
          return { iResult: 0 };
        },
      },
      events: {},
    };
  }
}
