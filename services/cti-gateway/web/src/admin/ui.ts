// The console's small building blocks: tables, form fields, badges, formatting. No framework: the
// pages rebuild their parts from the API's lists, which are small (an operator's view).
import { h } from '../elements.js';
import type { AdminApi } from './AdminApi.js';
import type { LiveStore } from './LiveStore.js';

export { h };

export interface PageContext {
  api: AdminApi;
  live: LiveStore;
  /** The page's container (emptied before render). */
  main: HTMLElement;
  /** A message in the banner (role=alert); errors stay until the next action. */
  notify(message: string, kind?: 'ok' | 'error'): void;
}

export interface Page {
  title: string;
  render(ctx: PageContext): Promise<void> | void;
  /** The page is left: stop timers and listeners. */
  leave?(): void;
}

type Cell = Node | string | number | null | undefined;

/** A table with a caption (for screen readers) and a header row; `rows` come as cells. */
export function table(caption: string, headers: string[], rows: Cell[][], testid: string, rowAttrs?: (i: number) => Record<string, string>): HTMLElement {
  const body = h('tbody');
  rows.forEach((cells, i) => {
    const tr = h('tr', { 'data-testid': `${testid}-row`, ...rowAttrs?.(i) });
    cells.forEach((c, j) => tr.append(h('td', { 'data-label': headers[j] ?? '' }, c === null || c === undefined ? '—' : typeof c === 'number' ? String(c) : c)));
    body.append(tr);
  });
  const t = h('table', { class: 'grid', 'data-testid': testid },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    body);
  const wrap = h('div', { class: 'table-wrap' }, t);
  if (rows.length === 0) wrap.append(h('p', { class: 'empty', 'data-testid': `${testid}-empty` }, 'Nothing to show.'));
  return wrap;
}

let fieldSeq = 0;

/** A labelled input (the label is tied by id, so a click on it focuses the input). */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  fieldSeq += 1;
  input.id ||= `f${fieldSeq}`;
  const hintEl = hint ? h('small', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

export function select(name: string, options: Array<[string, string]>, value = '', testid?: string): HTMLSelectElement {
  const s = h('select', { name, 'data-testid': testid });
  for (const [v, text] of options) s.append(h('option', { value: v, selected: v === value }, text));
  return s;
}

export function button(text: string, onclick: () => void | Promise<void>, attrs: Record<string, string> = {}, kind = 'btn'): HTMLButtonElement {
  const b = h('button', { type: 'button', class: kind, ...attrs }, text);
  b.addEventListener('click', () => {
    b.disabled = true;
    void Promise.resolve(onclick()).finally(() => {
      b.disabled = false;
    });
  });
  return b;
}

export function badge(text: string, tone: 'ok' | 'warn' | 'error' | 'off', testid?: string, state?: string): HTMLElement {
  return h('span', { class: `badge badge-${tone}`, 'data-testid': testid, 'data-state': state }, text);
}

export function section(title: string, ...children: Array<Node | null>): HTMLElement {
  const id = `s${(fieldSeq += 1)}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
}

/** The message of an error for the banner. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
