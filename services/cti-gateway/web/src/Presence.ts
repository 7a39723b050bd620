import type { EnetucConnection, ServerEvent } from './EnetucConnection.ts';
import {
  AbsentState,
  ForwardModeBit,
  ForwardModeParam,
  PRESENCE_SECTIONS,
  PresenceFlag,
  PresenceState,
  type ClientContentChanged,
  type ClientContentResult,
  type ContentContact,
  type GetAndSubscribePresenceResult,
  type PresenceV2,
  type UpdatePresenceV2,
} from './presenceProtocol.ts';
import type { ForwardForm, ForwardKind, PresenceBadge, PresenceEntry } from './PresenceTypes.ts';

/** The badge of an iPresenceState: DND over offline over a call over ringing over away. */
export function presenceBadge(state: number): PresenceBadge {
  const base = state & 0xff;
  if (base === PresenceState.doNotDisturb) return 'dnd';
  if (state & PresenceFlag.offline) return 'offline';
  if (base === PresenceState.busy || state & PresenceFlag.call) return 'busy';
  if (state & PresenceFlag.ringing) return 'ringing';
  if (base === PresenceState.absent) return 'away';
  return 'free';
}

const KIND_OF_BIT: Record<number, ForwardKind> = { [ForwardModeBit.immediate]: 'immediate', [ForwardModeBit.busy]: 'busy', [ForwardModeBit.noAnswer]: 'no-answer' };

function entryOf(p: PresenceV2, fallbackName: string): PresenceEntry {
  const state = p.iPresenceState ?? (PresenceState.uncontrolled | PresenceFlag.offline);
  const lines = p.seqPhoneLines ?? [];
  return {
    contactId: p.u8sContactId,
    name: p.asnRemoteContact?.u8sDisplayName || fallbackName || p.u8sContactId,
    badge: presenceBadge(state),
    state,
    absent: p.asnAbsentState?.eAbsentState,
    note: p.asnCustomNote?.u8sNote ?? '',
    lines: lines.map((l) => l.u8sLineNumber),
    dndLines: lines.filter((l) => l.iDoNotDisturb).map((l) => l.u8sLineNumber),
    forwards: (p.seqLineForwards ?? []).flatMap((f) => {
      const kind = KIND_OF_BIT[f.iForwardMode];
      return kind ? [{ line: f.u8sLineNumber, kind, destination: f.u8sDestination, noAnswerS: f.iNoAnswerTime ?? 0 }] : [];
    }),
  };
}

/** The users of this server in a buddy list, by login (entry id) → display name. */
function serverUsers(contacts: readonly ContentContact[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const c of contacts) if (c.u8sEntryIDDB === 'ucserver' && c.u8sEntryID) users.set(c.u8sEntryID, c.u8sDisplayName ?? '');
  return users;
}

/**
 * Presence of every user of the server (the buddy list's server users) including the logged-in one,
 * live by asnUpdatePresenceV2; and the own settings: absent state, note, DND and forwards per line.
 * The buddy list itself is subscribed (asnSubscribeClientContent): a user the admin adds while the page
 * is open is subscribed to and listed, a removed one leaves the list. Emits `change` after every update.
 */
export class Presence extends EventTarget {
  #conn: EnetucConnection | undefined;
  #self = '';
  readonly #raw = new Map<string, PresenceV2>();
  readonly #names = new Map<string, string>();
  readonly #onEvent = (e: Event): void => this.#handle((e as CustomEvent<ServerEvent>).detail);
  /** Buddy-list changes, applied one after another (each may subscribe to new users). */
  #contentQueue: Promise<void> = Promise.resolve();

  /** The other users, by name. */
  get others(): PresenceEntry[] {
    return [...this.#raw.values()]
      .filter((p) => p.u8sContactId !== this.#self)
      .map((p) => entryOf(p, this.#names.get(p.u8sContactId) ?? ''))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The logged-in user's own presence (absent state, note, DND, forwards). */
  get self(): PresenceEntry | undefined {
    const p = this.#raw.get(this.#self);
    return p ? entryOf(p, '') : undefined;
  }

  /** Lists the server's users and subscribes to their presence (and the own), then to the list itself. */
  async start(conn: EnetucConnection, login: string): Promise<void> {
    this.detach();
    this.#conn = conn;
    this.#self = login;
    conn.addEventListener('event', this.#onEvent);
    const { contactList } = await conn.invoke<ClientContentResult>('asnGetClientContent', { iContactFilter: 0 });
    const users = serverUsers(contactList);
    users.set(login, users.get(login) ?? '');
    await this.#subscribe(conn, users);
    // From now on the list comes as asnClientContentChanged (first the whole of it, then every change).
    await conn.invoke('asnSubscribeClientContent', {});
  }

  /** Subscribes to the presence of `users` (login → name) and lists them. */
  async #subscribe(conn: EnetucConnection, users: Map<string, string>): Promise<void> {
    if (users.size === 0) return;
    for (const [id, name] of users) this.#names.set(id, name);
    const { seqSubscribedPresence } = await conn.invoke<GetAndSubscribePresenceResult>('asnGetAndSubscribePresenceV2', {
      seqContactIDs: [...users.keys()],
      iEventFlagsToSubscribe: PRESENCE_SECTIONS,
      iContactDetailsReturnFilter: PRESENCE_SECTIONS,
    });
    if (this.#conn !== conn) return; // detached meanwhile
    for (const p of seqSubscribedPresence) this.#raw.set(p.u8sContactId, p);
    this.#changed();
  }

  /** The buddy list changed: subscribe to users new to it, drop those no longer in it. */
  async #contentChanged(conn: EnetucConnection, changed: ClientContentChanged): Promise<void> {
    if (this.#conn !== conn) return;
    const users = serverUsers(changed.addedOrChangedContacts ?? []);
    const added = new Map([...users].filter(([id]) => !this.#raw.has(id)));
    let removed = false;
    for (const id of [...this.#raw.keys()]) {
      if (id === this.#self || users.has(id)) continue;
      this.#raw.delete(id);
      removed = true;
    }
    if (removed) this.#changed();
    await this.#subscribe(conn, added);
  }

  detach(): void {
    this.#conn?.removeEventListener('event', this.#onEvent);
    this.#conn = undefined;
    this.#raw.clear();
    this.#changed();
  }

  /** Own absent state (AbsentState; notSet resets). */
  async setAbsent(eAbsentState: number): Promise<void> {
    await this.#require().invoke('asnSetUserAbsentState', { absentstate: { u8sContactId: '', eAbsentState } });
  }

  async setNote(note: string): Promise<void> {
    await this.#require().invoke('asnCustomNoteSet', { customnote: { u8sContactID: '', u8sUsername: '', u8sNote: note } });
  }

  async setDnd(lineUri: string, on: boolean): Promise<void> {
    await this.#require().invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: lineUri, bDoNotDisturb: on });
  }

  /** Sets the forwards of a line to the form: a filled destination sets its mode, an empty one removes it. */
  async saveForwards(lineUri: string, lineNumber: string, form: ForwardForm): Promise<void> {
    const conn = this.#require();
    const current = this.self?.forwards.filter((f) => f.line === lineNumber) ?? [];
    const rows: Array<[ForwardKind, number, string]> = [
      ['immediate', ForwardModeParam.immediate, form.immediate.trim()],
      ['busy', ForwardModeParam.busy, form.busy.trim()],
      ['no-answer', ForwardModeParam.noAnswer, form.noAnswer.trim()],
    ];
    for (const [kind, mode, destination] of rows) {
      if (destination) {
        const optionalParams: Record<string, number> = { ForwardMode: mode };
        if (kind === 'no-answer') optionalParams.NoAnswerTime = Math.max(0, Math.round(form.noAnswerS) || 0);
        await conn.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: lineUri, u8sPhoneNumberTo: destination, optionalParams });
      } else if (current.some((f) => f.kind === kind)) {
        await conn.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: lineUri, optionalParams: { ForwardMode: mode } });
      }
    }
  }

  #handle(event: ServerEvent): void {
    switch (event.name) {
      case 'asnUpdatePresenceV2':
        this.#merge((event.argument as UpdatePresenceV2).presence);
        break;
      case 'asnClientContentChanged': {
        const conn = this.#conn;
        if (!conn) break;
        const changed = event.argument as ClientContentChanged;
        this.#contentQueue = this.#contentQueue.then(() => this.#contentChanged(conn, changed))
          .catch((err: unknown) => console.warn('ucserver: buddy list update failed', err));
        break;
      }
      default:
        break;
    }
  }

  /** An update carries only the sections that changed: they replace ours. */
  #merge(presence: PresenceV2): void {
    const before = this.#raw.get(presence.u8sContactId);
    if (!before) return;
    const merged: PresenceV2 = { ...before };
    for (const [key, value] of Object.entries(presence)) if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
    this.#raw.set(presence.u8sContactId, merged);
    this.#changed();
  }

  #require(): EnetucConnection {
    if (!this.#conn || this.#conn.closed) throw new Error('not connected to the server');
    return this.#conn;
  }

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

export { AbsentState };
