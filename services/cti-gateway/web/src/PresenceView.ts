import { byId, h, replaceKeepingEdits } from './elements.ts';
import type { Presence } from './Presence.ts';
import { AbsentState } from './presenceProtocol.ts';
import type { PresenceBadge, PresenceEntry } from './PresenceTypes.ts';
import type { PhoneLine } from './SoftphoneTypes.ts';

export interface PresenceViewActions {
  /** Runs a user action, showing its failure in the banner. */
  run(label: string, action: () => Promise<unknown>): void;
  /** Calls a number from the softphone. */
  call(number: string): Promise<unknown>;
  /** Takes the call ringing on a colleague's line (pickup). */
  pickup(number: string): Promise<unknown>;
  /** The own lines (for DND and forwards). */
  lines(): PhoneLine[];
}

const BADGE_TEXT: Record<PresenceBadge, string> = { free: 'Free', busy: 'Busy', ringing: 'Ringing', dnd: 'Do not disturb', away: 'Away', offline: 'Offline' };

const ABSENT_OPTIONS: Array<[number, string]> = [
  [AbsentState.notSet, 'Present'],
  [AbsentState.busy, 'Busy'],
  [AbsentState.outOfOffice, 'Out of office'],
  [AbsentState.doNotDisturb, 'Do not disturb'],
];

/**
 * The presence panel (other users: badge, note, lines, click to call), the own status form (absent
 * state, note) and the line settings (DND, forwards), rendered from Presence on every `change`.
 */
export class PresenceView {
  readonly #presence: Presence;
  readonly #actions: PresenceViewActions;
  #listSignature = '';
  #linesSignature = '';

  constructor(presence: Presence, actions: PresenceViewActions) {
    this.#presence = presence;
    this.#actions = actions;
    this.#bindStatus();
    presence.addEventListener('change', () => this.render());
  }

  render(): void {
    this.#renderList();
    this.#renderStatus();
    this.#renderLineSettings();
  }

  #bindStatus(): void {
    const select = byId<HTMLSelectElement>('absent-state');
    select.replaceChildren(...ABSENT_OPTIONS.map(([value, text]) => h('option', { value }, text)));
    select.addEventListener('change', () => {
      select.dataset.dirty = '';
      this.#actions.run('Setting your state', async () => {
        await this.#presence.setAbsent(Number(select.value));
        delete select.dataset.dirty;
      });
    });
    const note = byId<HTMLInputElement>('note-text');
    note.addEventListener('input', () => (note.dataset.dirty = ''));
    byId<HTMLFormElement>('note-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#actions.run('Saving your note', async () => {
        await this.#presence.setNote(note.value.trim());
        delete note.dataset.dirty;
      });
    });
  }

  #renderStatus(): void {
    const self = this.#presence.self;
    const select = byId<HTMLSelectElement>('absent-state');
    const note = byId<HTMLInputElement>('note-text');
    const badge = byId('my-presence');
    badge.textContent = self ? BADGE_TEXT[self.badge] : '–';
    badge.className = `presence-badge presence-${self?.badge ?? 'offline'}`;
    badge.dataset.presence = self?.badge ?? '';
    if (select.dataset.dirty === undefined) {
      const absent = self?.absent ?? AbsentState.notSet;
      select.value = String(absent === AbsentState.notAbsent ? AbsentState.notSet : absent);
    }
    if (note.dataset.dirty === undefined && document.activeElement !== note) note.value = self?.note ?? '';
  }

  #renderList(): void {
    const others = this.#presence.others;
    const signature = JSON.stringify(others);
    if (signature === this.#listSignature) return;
    this.#listSignature = signature;
    byId('presence-list').replaceChildren(...others.map((p) => this.#row(p)));
    byId('presence-empty').hidden = others.length > 0;
  }

  #row(p: PresenceEntry): HTMLLIElement {
    const line = p.lines[0];
    return h('li', { class: 'person', 'data-testid': `presence-${p.contactId}`, 'data-presence': p.badge },
      h('span', { class: `dot dot-presence-${p.badge}`, 'aria-hidden': 'true' }),
      h('div', { class: 'person-main' },
        h('span', { class: 'person-name' }, p.name),
        h('span', { class: 'person-lines' }, p.lines.join(', ') || 'no line'),
        p.note ? h('span', { class: 'person-note', 'data-testid': 'presence-note' }, p.note) : null),
      h('span', { class: `presence-badge presence-${p.badge}`, 'data-testid': 'presence-state' }, BADGE_TEXT[p.badge]),
      // A colleague's line rings: take the call here (the server allows it within a pickup group).
      p.badge === 'ringing' && line ? h('button', {
        type: 'button',
        class: 'btn btn-call btn-small',
        'data-testid': 'presence-pickup',
        'aria-label': `Pick up the call ringing at ${p.name}`,
        onclick: () => this.#actions.run(`Picking up ${p.name}'s call`, () => this.#actions.pickup(line)),
      }, 'Pick up') : null,
      h('button', {
        type: 'button',
        class: 'btn btn-call btn-small',
        'data-testid': 'presence-call',
        'aria-label': `Call ${p.name}${line ? ` on ${line}` : ''}`,
        disabled: !line,
        onclick: () => line && this.#actions.run(`Calling ${p.name}`, () => this.#actions.call(line)),
      }, 'Call'));
  }

  #renderLineSettings(): void {
    const self = this.#presence.self;
    const lines = this.#actions.lines();
    const signature = JSON.stringify([lines.map((l) => l.uri), self?.dndLines, self?.forwards]);
    if (signature === this.#linesSignature) return;
    this.#linesSignature = signature;
    replaceKeepingEdits(byId('line-settings'), lines.map((l) => this.#lineForm(l, self)));
    byId('line-settings-empty').hidden = lines.length > 0;
  }

  #lineForm(line: PhoneLine, self: PresenceEntry | undefined): HTMLElement {
    const n = line.number;
    const dnd = self?.dndLines.includes(n) ?? false;
    const fw = (kind: string) => self?.forwards.find((f) => f.line === n && f.kind === kind);
    const id = (what: string): string => `fw-${what}-${n.replace(/\W/g, '')}`;
    const input = (what: string, label: string, value: string) => [
      h('label', { for: id(what) }, label),
      h('input', { id: id(what), 'data-testid': `forward-${what}`, 'aria-label': `${label} (line ${n})`, inputmode: 'tel', autocomplete: 'off', placeholder: 'Number', value }),
    ];
    const dndBox = h('input', {
      type: 'checkbox',
      id: id('dnd'),
      'data-testid': 'line-dnd',
      'aria-label': `Do not disturb on line ${n}`,
      checked: dnd,
      onchange: (e) => {
        const on = (e.target as HTMLInputElement).checked;
        this.#actions.run(`Switching do not disturb ${on ? 'on' : 'off'}`, () => this.#presence.setDnd(line.uri, on));
      },
    });
    const noAnswer = fw('no-answer');
    const form = h('form', {
      class: 'forward-form',
      'data-testid': 'forward-form',
      'aria-label': `Forwarding of line ${n}`,
      onsubmit: (e) => {
        e.preventDefault();
        const value = (what: string): string => (form.querySelector(`#${id(what)}`) as HTMLInputElement).value;
        this.#actions.run(`Saving the forwards of ${n}`, () => this.#presence.saveForwards(line.uri, n, {
          immediate: value('immediate'),
          busy: value('busy'),
          noAnswer: value('noanswer'),
          noAnswerS: Number(value('seconds')) || 0,
        }));
      },
    },
    ...input('immediate', 'Always forward to', fw('immediate')?.destination ?? ''),
    ...input('busy', 'When busy, forward to', fw('busy')?.destination ?? ''),
    ...input('noanswer', 'When not answered, forward to', noAnswer?.destination ?? ''),
    h('label', { for: id('seconds') }, 'after (seconds)'),
    h('input', { id: id('seconds'), type: 'number', min: 0, max: 300, 'data-testid': 'forward-seconds', 'aria-label': `Seconds before forwarding when not answered (line ${n})`, value: noAnswer?.noAnswerS || 20 }),
    h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'forward-save', 'aria-label': `Save forwarding of line ${n}` }, 'Save forwarding'));
    return h('div', { class: 'line-setting', 'data-testid': `line-settings-${n}`, 'data-dnd': String(dnd) },
      h('div', { class: 'line-setting-head' },
        h('span', { class: 'line-number' }, n),
        h('span', { class: 'field-check' }, dndBox, h('label', { for: id('dnd') }, 'Do not disturb'))),
      form);
  }
}
