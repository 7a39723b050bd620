// Journal: filter by user, line, time range, result and media path; page through; export CSV (the
// same filter, as the API's /journal.csv).
import { button, dateTime, duration, field, h, messageOf, section, select, table, type Page, type PageContext } from './ui.js';
import type { JournalEntry } from './types.js';

const PAGE = 50;

export function journalPage(): Page {
  let ctx: PageContext;
  let offset = 0;
  const list = h('div', { 'data-testid': 'journal-list' });
  const status = h('p', { class: 'hint', role: 'status', 'data-testid': 'journal-total' });
  const user = h('input', { name: 'user', 'data-testid': 'journal-user', autocapitalize: 'off' });
  const line = h('input', { name: 'line', 'data-testid': 'journal-line' });
  const from = h('input', { name: 'from', type: 'datetime-local', 'data-testid': 'journal-from' });
  const to = h('input', { name: 'to', type: 'datetime-local', 'data-testid': 'journal-to' });
  const result = select('result', [['', 'Any'], ['answered', 'Answered'], ['unanswered', 'Not answered'], ['normal', 'Ended normally'], ['busy', 'Busy'], ['cancelled', 'Cancelled'], ['rejected', 'Rejected'], ['no-answer', 'No answer'], ['unavailable', 'Unavailable'], ['media-failure', 'Media failure'], ['error', 'Error']], '', 'journal-result');
  const path = select('path', [['', 'Any'], ['pbx', 'via PBX'], ['direct', 'Direct Media']], '', 'journal-path');

  const query = (): string => {
    const p = new URLSearchParams();
    if (user.value.trim()) p.set('user', user.value.trim());
    if (line.value.trim()) p.set('line', line.value.trim());
    if (from.value) p.set('from', new Date(from.value).toISOString());
    if (to.value) p.set('to', new Date(to.value).toISOString());
    if (result.value) p.set('result', result.value);
    if (path.value) p.set('path', path.value);
    return p.toString();
  };

  const load = async (): Promise<void> => {
    try {
      const q = query();
      const page = await ctx.api.request<{ entries: JournalEntry[]; total: number }>('GET', `/journal?limit=${PAGE}&offset=${offset}${q ? `&${q}` : ''}`);
      status.textContent = page.total === 0 ? 'No calls match.' : `Calls ${offset + 1}–${offset + page.entries.length} of ${page.total}`;
      list.replaceChildren(table('Journal', ['Started', 'Line', 'Direction', 'Remote', 'Answered', 'Duration', 'Result', 'SIP', 'Path', 'Node'], page.entries.map((e) => [
        dateTime(e.startedAt), e.lineNumber, e.direction, e.remoteName ? `${e.remoteNumber} (${e.remoteName})` : e.remoteNumber,
        e.answeredAt ? 'yes' : 'no', e.durationS === null ? null : duration(e.durationS), e.disconnectCause ?? (e.endedAt ? null : 'running'),
        e.sipStatus, e.mediaPath === 'direct' ? 'Direct Media' : e.mediaPath === 'pbx' ? 'via PBX' : null, e.mediaNode,
      ]), 'journal', (i) => ({ 'data-call-id': page.entries[i]!.callId })),
      h('div', { class: 'pager' },
        offset > 0 ? button('Newer', () => { offset = Math.max(0, offset - PAGE); return load(); }, { 'data-testid': 'journal-newer' }, 'btn btn-quiet') : null,
        offset + PAGE < page.total ? button('Older', () => { offset += PAGE; return load(); }, { 'data-testid': 'journal-older' }, 'btn btn-quiet') : null));
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  return {
    title: 'Journal',
    async render(c) {
      ctx = c;
      const form = h('form', { class: 'form-grid filters', 'data-testid': 'journal-filter' },
        field('User', user), field('Line', line), field('From', from), field('To', to), field('Result', result), field('Path', path),
        h('div', { class: 'form-actions' },
          h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'journal-apply' }, 'Apply'),
          button('Export CSV', async () => {
            try {
              const q = query();
              await c.api.download(`/journal.csv${q ? `?${q}` : ''}`);
            } catch (err) {
              c.notify(messageOf(err));
            }
          }, { 'data-testid': 'journal-csv' }, 'btn')));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        offset = 0;
        void load();
      });
      c.main.append(section('Filter', form), section('Calls', status, list));
      await load();
    },
  };
}
