import type { EnetucConnection, ServerEvent } from './EnetucConnection.ts';
import {
  AbsentState,
  ForwardModeBit,
  ForwardModeParam,
  PRESENCE_SECTIONS,
  PresenceFlag,
  PresenceState,
  type ClientContentResult,
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

/**
 * Presence of every user of the server (the buddy list's server users) including the logged-in one,
 * live by asnUpdatePresenceV2; and the own settings: absent state, note, DND and forwards per line.
 * Emits `change` after every update.
 */
export class Presence extends EventTarget {
  #conn: EnetucConnection | undefined;
  #self = '';
  readonly #raw = new Map<string, PresenceV2>();
  readonly #names = new Map<string, string>();
  readonly #onEvent = (e: Event): void => this.#handle((e as CustomEvent<ServerEvent>).detail);

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

  /** Lists the server's users and subscribes to their presence (and the own). */
  async start(conn: EnetucConnection, login: string): Promise<void> {
    this.detach();
    this.#conn = conn;
    this.#self = login;
    conn.addEventListener('event', this.#onEvent);
    const { contactList } = await conn.invoke<ClientContentResult>('asnGetClientContent', { iContactFilter: 0 });
    const ids = new Set([login]);
    for (const c of contactList) {
      if (c.u8sEntryIDDB !== 'ucserver' || !c.u8sEntryID) continue;
      ids.add(c.u8sEntryID);
      this.#names.set(c.u8sEntryID, c.u8sDisplayName ?? '');
    }
    const { seqSubscribedPresence } = await conn.invoke<GetAndSubscribePresenceResult>('asnGetAndSubscribePresenceV2', {
      seqContactIDs: [...ids],
      iEventFlagsToSubscribe: PRESENCE_SECTIONS,
      iContactDetailsReturnFilter: PRESENCE_SECTIONS,
    });
    for (const p of seqSubscribedPresence) this.#raw.set(p.u8sContactId, p);
    this.#changed();
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
