// Pickup groups: who may take whose ringing calls (asnCtiPickupCall, the softphone's "Pick up"). Each group
// lists member lines and users (a user stands for all their lines); create, edit members, rename, delete.
import { button, field, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { PickupGroup } from './types.js';

/** "101, 102" → ['101', '102']. */
function list(text: string): string[] {
  return text.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

export function pickupGroupsPage(): Page {
  let ctx: PageContext;
  const listEl = h('div', { 'data-testid': 'pickup-groups-list' });
  const detail = h('div', { class: 'stack', 'data-testid': 'pickup-group-detail' });

  const load = async (): Promise<void> => {
    const groups = await ctx.api.request<PickupGroup[]>('GET', '/pickup-groups');
    const rows = groups.map((g) => [
      h('strong', {}, g.name),
      g.lines.join(', ') || null,
      g.users.join(', ') || null,
      h('span', { class: 'actions' },
        button('Edit', () => edit(g), { 'data-testid': 'pickup-group-edit', 'aria-label': `Edit pickup group ${g.name}` }, 'btn btn-quiet'),
        button('Delete', () => remove(g), { 'data-testid': 'pickup-group-delete', 'aria-label': `Delete pickup group ${g.name}` }, 'btn btn-danger')),
    ]);
    listEl.replaceChildren(table('Pickup groups', ['Group', 'Lines', 'Users', 'Actions'], rows, 'pickup-groups', (i) => ({ 'data-name': groups[i]!.name })));
  };

  /** The name/lines/users form; `save` sends it. */
  const form = (testid: string, group: PickupGroup | undefined, submit: string, save: (body: { name: string; lines: string[]; users: string[] }) => Promise<void>): HTMLFormElement => {
    const name = h('input', { name: 'name', required: true, value: group?.name ?? '', 'data-testid': `${testid}-name`, maxlength: 64, autocomplete: 'off' });
    const lines = h('input', { name: 'lines', value: group?.lines.join(', ') ?? '', 'data-testid': `${testid}-lines`, placeholder: '101, 102', autocomplete: 'off' });
    const users = h('input', { name: 'users', value: group?.users.join(', ') ?? '', 'data-testid': `${testid}-users`, placeholder: 'bob, carol', autocomplete: 'off' });
    const el = h('form', { class: 'form-grid', 'data-testid': testid },
      field('Name', name), field('Lines', lines, 'Line numbers, comma-separated'), field('Users', users, 'Logins, comma-separated: all their lines'),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': `${testid}-save` }, submit)));
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        try {
          await save({ name: name.value.trim(), lines: list(lines.value), users: list(users.value) });
          await load();
        } catch (err) {
          ctx.notify(messageOf(err));
        }
      })();
    });
    return el;
  };

  const edit = (g: PickupGroup): void => {
    const el = form('edit-pickup-group', g, 'Save', async (body) => {
      await ctx.api.request('PUT', `/pickup-groups/${encodeURIComponent(g.name)}`, body);
      ctx.notify(`Pickup group ${body.name} saved.`, 'ok');
      detail.replaceChildren();
    });
    detail.replaceChildren(section(`Edit pickup group ${g.name}`, el));
    el.querySelector('input')?.focus();
  };

  const remove = async (g: PickupGroup): Promise<void> => {
    if (!confirm(`Delete pickup group ${g.name}? Its members can no longer pick up each other's calls.`)) return;
    try {
      await ctx.api.request('DELETE', `/pickup-groups/${encodeURIComponent(g.name)}`);
      ctx.notify(`Pickup group ${g.name} deleted.`, 'ok');
      detail.replaceChildren();
      await load();
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  return {
    title: 'Pickup groups',
    async render(c) {
      ctx = c;
      const create = form('new-pickup-group', undefined, 'Create group', async (body) => {
        await ctx.api.request('POST', '/pickup-groups', body);
        ctx.notify(`Pickup group ${body.name} created.`, 'ok');
        create.reset();
      });
      c.main.append(
        h('p', { class: 'hint' }, 'Members of a group may pick up each other\'s ringing calls from the softphone (People: Pick up).'),
        h('details', { class: 'card create' }, h('summary', { 'data-testid': 'new-pickup-group-open' }, 'New pickup group'), create),
        section('Pickup groups', listEl), detail);
      await load();
    },
  };
}
