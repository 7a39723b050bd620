// System: the health of NATS, the database and each service (version, uptime, latency), and the
// monitoring links (Prometheus/Grafana when configured).
import { badge, button, dateTime, duration, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { SystemHealth } from './types.js';

export function systemPage(): Page {
  let ctx: PageContext;
  const body = h('div', { class: 'stack', 'data-testid': 'system' });

  const load = async (): Promise<void> => {
    try {
      const s = await ctx.api.request<SystemHealth>('GET', '/system');
      body.replaceChildren(
        section('Components', table('Health of each component', ['Component', 'State', 'Detail', 'Version', 'Up since', 'Uptime', 'Latency'], s.components.map((c) => [
          h('strong', {}, c.name), c.ok ? badge('OK', 'ok', 'component-state', 'ok') : badge('DOWN', 'error', 'component-state', 'down'), c.detail,
          c.version, c.startedAt ? dateTime(c.startedAt) : null, c.uptimeS === undefined ? null : duration(c.uptimeS), c.latencyMs === undefined ? null : `${c.latencyMs} ms`,
        ]), 'components', (i) => ({ 'data-component': s.components[i]!.name }))),
        section('Links', h('ul', { class: 'links', 'data-testid': 'system-links' }, ...s.links.map((l) => h('li', {}, h('a', { href: l.url, rel: 'noopener noreferrer', target: l.url.startsWith('/') ? undefined : '_blank' }, l.name))))),
        h('p', { class: 'hint' }, `As of ${dateTime(s.at)}`));
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  return {
    title: 'System',
    async render(c) {
      ctx = c;
      c.main.append(h('div', { class: 'toolbar' }, button('Refresh', load, { 'data-testid': 'system-refresh' }, 'btn')), body);
      await load();
    },
  };
}
