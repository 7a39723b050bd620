// Users: list and search, create, edit (name, password reset, admin flag), disable, delete; each user's
// lines and connected clients.
import { badge, button, dateTime, field, h, messageOf, section, select, table, type Page, type PageContext } from './ui.js';
import type { User, UserClient } from './types.js';

export function usersPage(): Page {
  let users: User[] = [];
  let query = '';
  let ctx: PageContext;
  const list = h('div', { 'data-testid': 'users-list' });
  const detail = h('div', { class: 'stack', 'data-testid': 'user-detail' });

  const load = async (): Promise<void> => {
    users = await ctx.api.request<User[]>('GET', '/users');
    draw();
  };

  const draw = (): void => {
    const q = query.toLowerCase();
    const shown = users.filter((u) => !q || u.login.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q));
    const rows = shown.map((u) => [
      h('strong', {}, u.login),
      u.displayName || null,
      u.role === 'admin' ? badge('admin', 'warn') : 'user',
      u.disabled ? badge('disabled', 'off', 'user-state', 'disabled') : badge('active', 'ok', 'user-state', 'active'),
      ctx.live.lines.filter((l) => l.owner === u.login).map((l) => l.number).join(', ') || null,
      h('span', { class: 'actions' },
        button('Details', () => showDetail(u), { 'data-testid': 'user-details', 'aria-label': `Details and clients of ${u.login}` }, 'btn btn-quiet'),
        button('Edit', () => edit(u), { 'data-testid': 'user-edit', 'aria-label': `Edit ${u.login}` }, 'btn btn-quiet'),
        button(u.disabled ? 'Enable' : 'Disable', () => patch(u, { disabled: !u.disabled }), { 'data-testid': 'user-toggle', 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.login}` }, 'btn btn-quiet'),
        button('Delete', () => remove(u), { 'data-testid': 'user-delete', 'aria-label': `Delete ${u.login}` }, 'btn btn-danger')),
    ]);
    list.replaceChildren(table('Users', ['Login', 'Name', 'Role', 'State', 'Lines', 'Actions'], rows, 'users', (i) => ({ 'data-login': shown[i]!.login })));
  };

  const patch = async (u: User, body: Record<string, unknown>): Promise<void> => {
    try {
      await ctx.api.request('PATCH', `/users/${encodeURIComponent(u.login)}`, body);
      ctx.notify(`User ${u.login} saved.`, 'ok');
      await load();
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  const remove = async (u: User): Promise<void> => {
    if (!confirm(`Delete user ${u.login}? Their lines stay, without owner.`)) return;
    try {
      await ctx.api.request('DELETE', `/users/${encodeURIComponent(u.login)}`);
      ctx.notify(`User ${u.login} deleted.`, 'ok');
      detail.replaceChildren();
      await load();
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  const showDetail = async (u: User): Promise<void> => {
    try {
      const clients = await ctx.api.request<UserClient[]>('GET', `/users/${encodeURIComponent(u.login)}/clients`);
      const lines = ctx.live.lines.filter((l) => l.owner === u.login);
      detail.replaceChildren(section(`${u.login}: lines and connected clients`,
        table(`Lines of ${u.login}`, ['Line', 'Registration'], lines.map((l) => [l.number, l.registration?.status ?? 'unknown']), 'user-lines'),
        table(`Clients of ${u.login}`, ['Transport', 'Address', 'Since', 'Kind'], clients.map((c) => [c.transport, c.address, dateTime(c.since), c.softphone ? 'softphone' : 'CTI only']), 'user-clients')));
      detail.querySelector('h2')?.setAttribute('tabindex', '-1');
      (detail.querySelector('h2') as HTMLElement | null)?.focus();
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  const edit = (u: User): void => {
    const name = h('input', { name: 'displayName', value: u.displayName, 'data-testid': 'edit-user-name', maxlength: 128 });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', 'data-testid': 'edit-user-password', placeholder: 'unchanged' });
    const role = select('role', [['user', 'User'], ['admin', 'Administrator']], u.role, 'edit-user-role');
    const form = h('form', { class: 'form-grid', 'data-testid': 'edit-user-form' },
      field('Display name', name), field('New password', password, 'Leave empty to keep the current one'), field('Role', role),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'edit-user-save' }, 'Save'),
        button('Cancel', () => void detail.replaceChildren(), {}, 'btn btn-quiet')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void patch(u, { displayName: name.value, role: role.value, ...(password.value ? { password: password.value } : {}) }).then(() => detail.replaceChildren());
    });
    detail.replaceChildren(section(`Edit ${u.login}`, form));
    name.focus();
  };

  const createForm = (): HTMLElement => {
    const login = h('input', { name: 'login', required: true, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', 'data-testid': 'new-user-login', maxlength: 64 });
    const name = h('input', { name: 'displayName', 'data-testid': 'new-user-name', maxlength: 128 });
    const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', 'data-testid': 'new-user-password', minlength: 4 });
    const admin = h('input', { type: 'checkbox', name: 'admin', 'data-testid': 'new-user-admin' });
    const form = h('form', { class: 'form-grid', 'data-testid': 'new-user-form' },
      field('Login', login), field('Display name', name), field('Password', password, 'At least 4 characters'),
      h('div', { class: 'field field-check' }, h('label', {}, admin, ' Administrator')),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'new-user-create' }, 'Create user')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        try {
          await ctx.api.request('POST', '/users', { login: login.value.trim(), displayName: name.value, password: password.value, role: admin.checked ? 'admin' : 'user' });
          ctx.notify(`User ${login.value.trim()} created.`, 'ok');
          form.reset();
          await load();
        } catch (err) {
          ctx.notify(messageOf(err));
        }
      })();
    });
    return h('details', { class: 'card create' }, h('summary', { 'data-testid': 'new-user-open' }, 'New user'), form);
  };

  return {
    title: 'Users',
    async render(c) {
      ctx = c;
      const search = h('input', { type: 'search', name: 'q', placeholder: 'Login or name', 'data-testid': 'users-search' });
      search.addEventListener('input', () => {
        query = search.value;
        draw();
      });
      c.main.append(h('div', { class: 'toolbar' }, field('Search users', search)), createForm(), section('Users', list), detail);
      await load();
    },
  };
}
