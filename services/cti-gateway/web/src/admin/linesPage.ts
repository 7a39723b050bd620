// Lines: live registration state and reason (from the event stream), create, edit, enable/disable,
// delete; DND and forwards (as the line's user sets them: PUT /lines/{n}/routing tells the user's CTI
// monitors); the capture policy (every call of the line captured from its first packet). The SIP password
// is write-only: the API never returns it and the form never shows it.
import { badge, button, field, h, messageOf, section, select, table, type Page, type PageContext } from './ui.js';
import type { Line, User } from './types.js';

export function registrationBadge(l: Line): HTMLElement {
  const r = l.registration;
  if (!l.enabled) return badge('disabled', 'off', 'line-registration', 'disabled');
  if (!r) return badge('unknown', 'off', 'line-registration', 'unknown');
  const tone = r.status === 'registered' ? 'ok' : r.status === 'failed' ? 'error' : r.status === 'registering' ? 'warn' : 'off';
  const reason = [r.sipStatus, r.reason].filter(Boolean).join(' ');
  return h('span', {}, badge(r.status, tone, 'line-registration', r.status), reason ? h('small', { class: 'reason', 'data-testid': 'line-reason' }, ` ${reason}`) : null);
}

/** DND and forwards as the line's user (CTI, the softphone) or an admin set them. */
function routingOf(l: Line): HTMLElement | null {
  const parts: Array<HTMLElement | string> = [];
  if (l.routing.dnd) parts.push(badge('DND', 'warn', 'line-dnd'));
  for (const f of l.routing.forwards) {
    const when = f.mode === 'immediate' ? 'always' : f.mode === 'busy' ? 'busy' : `no answer${f.noAnswerS ? ` ${f.noAnswerS} s` : ''}`;
    parts.push(h('span', { class: 'forward', 'data-testid': 'line-forward' }, `${when} → ${f.destination}`));
  }
  return parts.length ? h('span', { class: 'routing' }, ...parts) : null;
}

export function linesPage(): Page {
  let ctx: PageContext;
  let users: User[] = [];
  let stop: (() => void) | undefined;
  const list = h('div', { 'data-testid': 'lines-list' });
  const editor = h('div');
  /** Each line's capture policy (GET /lines/{n}/capture), read once per line shown. */
  const policy = new Map<string, boolean>();
  const asked = new Set<string>();

  const readPolicies = (lines: Line[]): void => {
    const missing = lines.filter((l) => !asked.has(l.number));
    for (const l of missing) asked.add(l.number);
    if (missing.length === 0) return;
    void Promise.all(missing.map(async (l) => {
      const p = await ctx.api.request<{ enabled: boolean }>('GET', `/lines/${encodeURIComponent(l.number)}/capture`).catch(() => undefined);
      if (p) policy.set(l.number, p.enabled);
    })).then(draw);
  };

  const captureToggle = (l: Line): HTMLElement => {
    const known = policy.get(l.number);
    const box = h('input', { type: 'checkbox', checked: known === true, disabled: known === undefined, 'data-testid': 'line-capture', 'aria-label': `Capture every call of line ${l.number}` });
    box.addEventListener('change', () => {
      const enabled = box.checked;
      box.disabled = true;
      ctx.api.request<{ enabled: boolean }>('PUT', `/lines/${encodeURIComponent(l.number)}/capture`, { enabled }).then((p) => {
        policy.set(l.number, p.enabled);
        ctx.notify(p.enabled ? `Every new call of line ${l.number} is captured from its first packet.` : `Calls of line ${l.number} are no longer captured.`, 'ok');
      }, (err: unknown) => ctx.notify(`Capture policy of line ${l.number} not changed: ${messageOf(err)}`)).finally(draw);
    });
    return h('label', { class: 'switch', 'data-state': known === undefined ? 'unknown' : known ? 'on' : 'off' }, box, h('span', {}, known ? 'on' : 'off'));
  };

  const draw = (): void => {
    const lines = ctx.live.lines;
    readPolicies(lines);
    list.replaceChildren(table('Lines', ['Number', 'Name', 'Owner', 'Registrar', 'Transport', 'Auth user', 'Registration', 'DND / forwards', 'Capture', 'Actions'], lines.map((l) => [
      h('strong', {}, l.number), l.displayName || null, l.owner, l.registrar, l.transport.toUpperCase(), l.authUser, registrationBadge(l), routingOf(l), captureToggle(l),
      h('span', { class: 'actions' },
        button('Edit', () => showForm(l), { 'data-testid': 'line-edit', 'aria-label': `Edit line ${l.number}` }, 'btn btn-quiet'),
        button('DND / forwards', () => showRouting(l), { 'data-testid': 'line-routing-edit', 'aria-label': `Do not disturb and forwards of line ${l.number}` }, 'btn btn-quiet'),
        button(l.enabled ? 'Disable' : 'Enable', async () => void (await save(l, { enabled: !l.enabled })), { 'data-testid': 'line-toggle', 'aria-label': `${l.enabled ? 'Disable' : 'Enable'} line ${l.number}` }, 'btn btn-quiet'),
        button('Delete', () => remove(l), { 'data-testid': 'line-delete', 'aria-label': `Delete line ${l.number}` }, 'btn btn-danger')),
    ]), 'lines', (i) => ({ 'data-number': lines[i]!.number })));
  };

  const save = async (l: Line | undefined, body: Record<string, unknown>): Promise<boolean> => {
    try {
      if (l) await ctx.api.request('PATCH', `/lines/${encodeURIComponent(l.number)}`, body);
      else await ctx.api.request('POST', '/lines', body);
      ctx.notify(`Line ${l?.number ?? String(body.number)} saved; the pbx-adapter registers it now.`, 'ok');
      return true;
    } catch (err) {
      ctx.notify(messageOf(err));
      return false;
    }
  };

  const remove = async (l: Line): Promise<void> => {
    if (!confirm(`Delete line ${l.number}? It is unregistered at the PBX.`)) return;
    try {
      await ctx.api.request('DELETE', `/lines/${encodeURIComponent(l.number)}`);
      ctx.notify(`Line ${l.number} deleted.`, 'ok');
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  /** DND and the three forwards of a line; an empty number removes that forward. */
  const showRouting = (l: Line): void => {
    const of = (mode: string) => l.routing.forwards.find((f) => f.mode === mode);
    const dnd = h('input', { type: 'checkbox', name: 'dnd', checked: l.routing.dnd, 'data-testid': 'line-routing-dnd' });
    const target = (mode: string, label: string): HTMLInputElement => h('input', { name: mode, value: of(mode)?.destination ?? '', type: 'tel', autocomplete: 'off', placeholder: 'number', 'data-testid': `line-routing-${mode}`, 'aria-label': label });
    const always = target('immediate', 'Always forward to');
    const busy = target('busy', 'When busy, forward to');
    const noAnswer = target('no-answer', 'When not answered, forward to');
    const seconds = h('input', { name: 'noAnswerS', type: 'number', min: '0', max: '300', value: String(of('no-answer')?.noAnswerS || 20), 'data-testid': 'line-routing-seconds' });
    const form = h('form', { class: 'form-grid', 'data-testid': 'line-routing-form' },
      h('div', { class: 'field field-check' }, h('label', {}, dnd, ' Do not disturb (incoming calls get busy)')),
      field('Always forward to', always), field('When busy, forward to', busy), field('When not answered, forward to', noAnswer), field('after (seconds)', seconds),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'line-routing-save' }, 'Save'),
        button('Cancel', () => void editor.replaceChildren(), {}, 'btn btn-quiet')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const forwards = ([['immediate', always], ['busy', busy], ['no-answer', noAnswer]] as const)
        .filter(([, input]) => input.value.trim() !== '')
        .map(([mode, input]) => ({ mode, destination: input.value.trim(), ...(mode === 'no-answer' ? { noAnswerS: Number(seconds.value) || 0 } : {}) }));
      ctx.api.request('PUT', `/lines/${encodeURIComponent(l.number)}/routing`, { dnd: dnd.checked, forwards }).then(() => {
        ctx.notify(`Line ${l.number}: do not disturb ${dnd.checked ? 'on' : 'off'}, ${forwards.length} forward${forwards.length === 1 ? '' : 's'}; its user's clients are told.`, 'ok');
        editor.replaceChildren();
      }, (err: unknown) => ctx.notify(`Line ${l.number} not changed: ${messageOf(err)}`));
    });
    editor.replaceChildren(section(`Do not disturb and forwards of line ${l.number}`, form));
    always.focus();
  };

  const showForm = (l?: Line): void => {
    const input = (name: string, value: string, attrs: Record<string, string | boolean> = {}): HTMLInputElement => h('input', { name, value, 'data-testid': `line-form-${name}`, ...attrs });
    const number = input('number', l?.number ?? '', { required: true, disabled: Boolean(l), autocomplete: 'off' });
    const displayName = input('displayName', l?.displayName ?? '');
    const registrar = input('registrar', l?.registrar ?? '', { required: true, placeholder: 'pbx.example.com:5060' });
    const transport = select('transport', [['udp', 'UDP'], ['tcp', 'TCP'], ['tls', 'TLS']], l?.transport ?? 'udp', 'line-form-transport');
    const authUser = input('authUser', l?.authUser ?? '', { autocomplete: 'off' });
    // write-only: never pre-filled; empty on edit keeps the stored one
    const authPassword = input('authPassword', '', { type: 'password', autocomplete: 'new-password', placeholder: l ? 'unchanged' : '' });
    const owner = select('owner', [['', '(none)'], ...users.map((u): [string, string] => [u.login, u.displayName ? `${u.login} (${u.displayName})` : u.login])], l?.owner ?? '', 'line-form-owner');
    const form = h('form', { class: 'form-grid', 'data-testid': 'line-form' },
      field('Number', number), field('Display name', displayName), field('Registrar', registrar, 'host[:port] of the PBX'), field('Transport', transport),
      field('Auth user', authUser), field('SIP password', authPassword, l ? 'Write-only: leave empty to keep the stored password' : 'Write-only: it is never shown again'),
      field('Owner', owner),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'line-form-save' }, l ? 'Save line' : 'Create line'),
        button('Cancel', () => void editor.replaceChildren(), {}, 'btn btn-quiet')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body: Record<string, unknown> = {
        ...(l ? {} : { number: number.value.trim() }),
        displayName: displayName.value,
        registrar: registrar.value.trim(),
        transport: transport.value,
        ...(authUser.value ? { authUser: authUser.value } : {}),
        ...(authPassword.value ? { authPassword: authPassword.value } : {}),
        owner: owner.value || null,
      };
      void save(l, body).then((ok) => {
        if (ok) editor.replaceChildren();
      });
    });
    editor.replaceChildren(section(l ? `Edit line ${l.number}` : 'New line', form));
    (l ? displayName : number).focus();
  };

  return {
    title: 'Lines',
    async render(c) {
      ctx = c;
      c.main.append(h('div', { class: 'toolbar' }, button('New line', () => showForm(), { 'data-testid': 'new-line' }, 'btn btn-primary')), editor, section('Lines and registrations', list));
      draw();
      stop = c.live.listen((kind) => {
        if (kind === 'lines') draw();
      });
      users = await c.api.request<User[]>('GET', '/users').catch(() => []);
    },
    leave() {
      stop?.();
    },
  };
}
