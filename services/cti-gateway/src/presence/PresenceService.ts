import type { UserRow } from '@ucserver/shared/db';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import { legacyPresenceEvent } from '../protocol/legacy.ts';
import type { AsnPresenceV2, InvokeHandlers } from '../protocol/mod.ts';
import type { ClientSession } from '../session/ClientSession.ts';
import { CtiRequestError } from '../session/CtiRequestError.ts';
import { lineForwards } from '../cti/forwardMapping.ts';
import { ALL_PRESENCE_SECTIONS, contactV2, filterPresence, fullPresence, presenceDelta, type PresenceFacts } from './presenceModel.ts';
import type { PresenceServiceOptions, PresenceSubscription } from './PresenceServiceTypes.ts';

/** AsnRequestError numbers of the presence operations. */
export const PresenceError = { generalerror: 1, accessdenied: 2, unknowncontact: 3, toomany: 4 } as const;

/**
 * Server-computed presence (ENetUC PresenceV2): who subscribed to whom, what each subscriber last saw,
 * and the updates when a user's calls, lines, DND, client connection, absent state or note change.
 *
 * Changes are coalesced: a change marks the user dirty; `coalesceMs` later (one timer for all users)
 * their presence is computed once and each subscriber gets one `asnUpdatePresenceV2` with only the
 * sections that differ from what *that subscriber* last saw — none when nothing visible changed. Flushes
 * run one after another, so updates of a user reach a subscriber in order. Subscriptions per session
 * are bounded (`maxSubscriptionsPerSession`).
 */
export class PresenceService {
  readonly #o: Required<Omit<PresenceServiceOptions, 'peers'>> & Pick<PresenceServiceOptions, 'peers'>;
  /** watched user id → subscriber session → its subscription */
  readonly #watchers = new Map<string, Map<ClientSession, PresenceSubscription>>();
  /** subscriber session → the user ids it watches */
  readonly #bySession = new Map<ClientSession, Set<string>>();
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** line id → owner user id (null: unowned), filled on demand, cleared when lines change */
  readonly #lineOwners = new Map<string, string | null>();
  #closed = false;
  readonly #listeners: Array<() => void> = [];

  constructor(options: PresenceServiceOptions) {
    this.#o = { maxSubscriptionsPerSession: 1000, coalesceMs: 100, ...options };
    const { calls, sessions, lines, routing, manual, users } = this.#o;
    const onCall = (call: ActiveCall): void => void this.#lineChanged(call.lineId);
    const onLogin = (session: ClientSession): void => {
      if (session.user) this.#markDirty(session.user.id);
    };
    const onClose = (session: ClientSession): void => this.#sessionClosed(session);
    const onDnd = (lineId: string): void => void this.#lineChanged(lineId);
    const onManual = (userId: string): void => this.#markDirty(userId);
    const onUser = (user: UserRow, kind: 'created' | 'updated' | 'removed'): void => {
      if (kind === 'updated') this.#markDirty(user.id);
      if (kind !== 'removed') return;
      // a removed user is watched no more; whoever watched them hears nothing further
      for (const session of this.subscribersOf(user.id)) this.#unsubscribe(session, user.id);
      manual.forget(user.id);
    };
    const onLines = (): void => {
      this.#lineOwners.clear();
      for (const userId of this.#watchers.keys()) this.#markDirty(userId);
    };
    // A picked-up call leaves its ringing line: that line's owner is no longer rung.
    const onMoved = (_call: ActiveCall, from: { lineId: string }): void => void this.#lineChanged(from.lineId);
    calls.on('callchanged', onCall);
    calls.on('callmoved', onMoved);
    sessions.on('sessionauthenticated', onLogin);
    sessions.on('sessionclose', onClose);
    routing.on('changed', onDnd);
    manual.on('changed', onManual);
    users.on('userchanged', onUser);
    lines.on('upsert', onLines);
    lines.on('remove', onLines);
    // A user's clients on another gateway (online there, or not any more).
    const onPeer = (userId: string): void => this.#markDirty(userId);
    this.#o.peers?.on('changed', onPeer);
    this.#listeners.push(
      () => this.#o.peers?.off('changed', onPeer),
      () => calls.off('callchanged', onCall),
      () => calls.off('callmoved', onMoved),
      () => sessions.off('sessionauthenticated', onLogin),
      () => sessions.off('sessionclose', onClose),
      () => routing.off('changed', onDnd),
      () => manual.off('changed', onManual),
      () => users.off('userchanged', onUser),
      () => lines.off('upsert', onLines),
      () => lines.off('remove', onLines),
    );
  }

  /** The contact id of a user (its login; `sip:login@domain` and `login@domain` are accepted on input). */
  contactIdOf(user: Pick<UserRow, 'login'>): string {
    return user.login;
  }

  /** The user a client's contact id names, if it is an enabled user of this server. */
  async resolve(contactId: string): Promise<UserRow | undefined> {
    const login = contactId.trim().replace(/^sips?:/i, '').replace(/@.*$/, '');
    if (login === '' || login.length > 128) return undefined;
    const user = await this.#o.users.get(login);
    return user && !user.disabled ? user : undefined;
  }

  /** What presence is computed from, for one user. */
  async facts(user: UserRow): Promise<PresenceFacts> {
    const { lines, calls, routing, sessions, manual } = this.#o;
    const owned = (await lines.ownedBy(user.id)).filter((l) => l.enabled);
    const contactId = this.contactIdOf(user);
    return {
      contactId,
      login: user.login,
      displayName: user.displayName,
      online: sessions.ofUser(user.id).some((s) => s.state === 'authenticated') || (this.#o.peers?.online(user.id) ?? false),
      lines: await Promise.all(owned.map(async (l) => {
        const state = await routing.get(l.id);
        return { number: l.number, descriptor: l.displayName, dnd: state.dnd, forwards: lineForwards(state.forwards).map((f) => ({ mode: f.iForwardMode, destination: f.u8sDestination, noAnswerS: f.iNoAnswerTime })) };
      })),
      calls: owned.flatMap((l) => calls.onLine(l.id)).map((c) => ({
        callId: c.callId,
        lineNumber: c.lineNumber,
        state: c.state,
        direction: c.direction,
        remoteNumber: c.remoteNumber,
        remoteName: c.remoteName,
      })),
      manual: await manual.get(user.id, contactId),
    };
  }

  /** The current full presence of a user. */
  async presenceOf(user: UserRow): Promise<AsnPresenceV2> {
    return fullPresence(await this.facts(user));
  }

  /** The sessions that watch a user. */
  subscribersOf(userId: string): ClientSession[] {
    return [...(this.#watchers.get(userId)?.keys() ?? [])];
  }

  /** Subscriptions held over all sessions. */
  get size(): number {
    let n = 0;
    for (const held of this.#bySession.values()) n += held.size;
    return n;
  }

  /** Subscriptions a session holds. */
  subscriptionsOf(session: ClientSession): number {
    return this.#bySession.get(session)?.size ?? 0;
  }

  operations(): { invokes: Pick<InvokeHandlers<ClientSession>, 'asnGetAndSubscribePresenceV2' | 'asnUnsubscribePresence' | 'asnGetLoggedInContactV2'>; events: Record<string, never> } {
    return {
      invokes: {
        // "who am I", with the user's presence, absent state and note (replaces the minimal contact of the session operations)
        asnGetLoggedInContactV2: async (_arg, session) => {
          const user = session.requireUser;
          return { u8sLoggedInUser: user.login, ownContact: contactV2(await this.facts(user)) };
        },
        asnGetAndSubscribePresenceV2: async (arg, session) => {
          session.requireUser;
          const max = this.#o.maxSubscriptionsPerSession;
          if (arg.seqContactIDs.length > max) throw new CtiRequestError(PresenceError.toomany, `at most ${max} contacts per session (asked for ${arg.seqContactIDs.length})`);
          const users = new Map<string, UserRow>();
          for (const id of arg.seqContactIDs) {
            const user = await this.resolve(id);
            if (user) users.set(user.id, user);
          }
          const held = this.#bySession.get(session) ?? new Set<string>();
          const adding = [...users.keys()].filter((id) => !held.has(id)).length;
          if (held.size + adding > max) throw new CtiRequestError(PresenceError.toomany, `at most ${max} presence subscriptions per session (${held.size} held, ${adding} more asked)`);
          const legacy = session.legacyInvoke !== undefined;
          const events = arg.iEventFlagsToSubscribe ?? ALL_PRESENCE_SECTIONS;
          const details = arg.iContactDetailsReturnFilter ?? ALL_PRESENCE_SECTIONS;
          const result: AsnPresenceV2[] = [];
          for (const user of users.values()) {
            const presence = await this.presenceOf(user);
            // a session that closed meanwhile has had its 'sessionclose': subscribing it now would leak
            if (session.state !== 'closed') this.#subscribe(session, user.id, { legacy, flags: events, last: presence });
            result.push(filterPresence(presence, details));
          }
          return { seqSubscribedPresence: result };
        },
        asnUnsubscribePresence: async (arg, session) => {
          for (const id of arg.seqContactIDs) {
            const user = await this.resolve(id);
            if (user) this.#unsubscribe(session, user.id);
          }
          return { iResult: 0 };
        },
      },
      events: {},
    };
  }

  #subscribe(session: ClientSession, userId: string, sub: PresenceSubscription): void {
    let watchers = this.#watchers.get(userId);
    if (!watchers) this.#watchers.set(userId, (watchers = new Map()));
    watchers.set(session, sub);
    let held = this.#bySession.get(session);
    if (!held) this.#bySession.set(session, (held = new Set()));
    held.add(userId);
  }

  #unsubscribe(session: ClientSession, userId: string): void {
    const watchers = this.#watchers.get(userId);
    watchers?.delete(session);
    if (watchers?.size === 0) this.#watchers.delete(userId);
    const held = this.#bySession.get(session);
    held?.delete(userId);
    if (held?.size === 0) this.#bySession.delete(session);
  }

  #sessionClosed(session: ClientSession): void {
    for (const userId of [...(this.#bySession.get(session) ?? [])]) this.#unsubscribe(session, userId);
    // its user may have gone offline
    if (session.user) this.#markDirty(session.user.id);
  }

  async #lineChanged(lineId: string): Promise<void> {
    let owner = this.#lineOwners.get(lineId);
    if (owner === undefined) {
      const line = await this.#o.lines.getById(lineId).catch(() => undefined);
      owner = line?.ownerUserId ?? null;
      if (this.#lineOwners.size >= 100_000) this.#lineOwners.clear();
      this.#lineOwners.set(lineId, owner);
    }
    if (owner) this.#markDirty(owner);
  }

  #markDirty(userId: string): void {
    if (this.#closed || !this.#watchers.has(userId)) return;
    this.#dirty.add(userId);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.#flush()).catch((err: unknown) => this.#o.logger.warn({ err }, 'presence flush failed'));
    }, this.#o.coalesceMs);
    this.#timer.unref();
  }

  async #flush(): Promise<void> {
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const userId of dirty) {
      if (this.#closed) return;
      const watchers = this.#watchers.get(userId);
      if (!watchers || watchers.size === 0) continue;
      const user = await this.#o.users.getById(userId);
      if (!user) continue;
      const now = await this.presenceOf(user);
      for (const [session, sub] of this.#watchers.get(userId) ?? []) {
        const delta = presenceDelta(sub.last, now);
        sub.last = now;
        // only the sections this subscriber asked events for (iEventFlagsToSubscribe)
        const flags = delta ? delta.iChangedFlags & sub.flags : 0;
        if (!delta || flags === 0) continue;
        session.sendEvent('asnUpdatePresenceV2', { presence: filterPresence(delta.presence, flags), iChangedFlags: flags }, sub.legacy ? { as: legacyPresenceEvent } : {});
      }
    }
  }

  /** Resolves once every change marked so far has been sent (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#timer || this.#dirty.size > 0) {
      await new Promise((r) => setTimeout(r, this.#o.coalesceMs));
      await this.#flushing;
    }
    await this.#flushing;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const off of this.#listeners) off();
    this.#watchers.clear();
    this.#bySession.clear();
  }
}
