// System: the health of NATS, the database and each service (version, uptime, latency), every
// pbx-adapter with its role in the active lease, every cti-gateway sharing the clients, and the monitoring links (Prometheus/Grafana when configured).
import { badge, button, dateTime, duration, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { SystemHealth } from './types.js';

/** An adapter's role: active (green), standby (grey), fenced/stopped or silent (red). */
function roleBadge(role: string, ok: boolean): HTMLElement {
  const tone = !ok ? 'error' : role === 'active' ? 'ok' : role === 'standby' ? 'off' : 'warn';
  return badge(ok ? role.toUpperCase() : `${role.toUpperCase()} (silent)`, tone, 'adapter-role', role);
}

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
        section('pbx-adapters', s.pbxAdapters.length === 0
          ? h('p', { class: 'hint', 'data-testid': 'pbx-adapters-none' }, 'No pbx-adapter heard on the bus.')
          : table('Every pbx-adapter: the active one registers the lines and takes the calls, a standby takes over when its lease runs out', ['SIP address', 'Role', 'Lease holder', 'Host', 'Version', 'Up since', 'Last seen'], s.pbxAdapters.map((a) => [
            h('strong', {}, a.sip), roleBadge(a.role, a.ok), a.leaseHolder ?? '—', a.host, a.version, dateTime(a.startedAt), `${(a.heartbeatAgeMs / 1000).toFixed(1)} s ago`,
          ]), 'pbx-adapters', (i) => ({ 'data-role': s.pbxAdapters[i]!.role, 'data-instance': s.pbxAdapters[i]!.instance }))),
        section('cti-gateways', table('Every cti-gateway sharing the clients: a client may log in at any; the one with the lowest instance id writes the journal', ['Instance', 'State', 'Clients', 'Journal', 'Host', 'Version', 'Up since', 'Last seen'], s.gateways.map((g) => [
          h('strong', {}, g.self ? `${g.instanceId} (this one)` : g.instanceId), g.ok ? badge('UP', 'ok', 'gateway-state', 'up') : badge('SILENT', 'error', 'gateway-state', 'silent'),
          g.clients === undefined ? '?' : String(g.clients), g.journal ? (g.ok ? 'writes it' : 'was writing it') : '—', g.host ?? '?', g.version ?? '?', dateTime(g.startedAt), `${(g.heartbeatAgeMs / 1000).toFixed(1)} s ago`,
        ]), 'gateways', (i) => ({ 'data-instance': s.gateways[i]!.instanceId, 'data-journal': String(Boolean(s.gateways[i]!.journal)) }))),
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
