// Media nodes: workers (pid, calls, routers — shared by calls whose payload types agree — CPU), calls, load, announced addresses, heartbeat age; drain a
// node and watch its calls go to zero (the heartbeats come through the event stream).
import { badge, button, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { MediaNode } from './types.js';

export function nodesPage(): Page {
  let ctx: PageContext;
  let stop: (() => void) | undefined;
  const list = h('div', { class: 'nodes', 'data-testid': 'nodes-list' });

  const drain = async (n: MediaNode, draining: boolean): Promise<void> => {
    try {
      const r = await ctx.api.request<{ draining: boolean; calls: number }>('POST', `/media/nodes/${encodeURIComponent(n.nodeId)}/drain`, { draining });
      ctx.notify(draining ? `${n.nodeId} is draining: ${r.calls} calls still running.` : `${n.nodeId} takes calls again.`, 'ok');
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  const draw = (): void => {
    const nodes = ctx.live.nodes;
    if (nodes.length === 0) {
      list.replaceChildren(h('p', { class: 'empty', 'data-testid': 'nodes-empty' }, 'No media node is sending heartbeats.'));
      return;
    }
    list.replaceChildren(...nodes.map((n) => h('article', { class: 'card node', 'data-testid': 'node', 'data-node-id': n.nodeId, 'data-draining': String(n.draining), 'aria-label': `Media node ${n.nodeId}` },
      h('header', { class: 'node-head' },
        h('h3', {}, n.nodeId),
        n.draining ? badge('draining', 'warn', 'node-state', 'draining') : badge('accepting calls', 'ok', 'node-state', 'accepting'),
        n.draining
          ? button('Resume', () => drain(n, false), { 'data-testid': 'node-resume', 'aria-label': `Let ${n.nodeId} take calls again` }, 'btn')
          : button('Drain', () => drain(n, true), { 'data-testid': 'node-drain', 'aria-label': `Drain ${n.nodeId}` }, 'btn btn-danger')),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Calls'), h('dd', { 'data-testid': 'node-calls' }, String(n.calls)),
        h('dt', {}, 'Legs'), h('dd', {}, String(n.legs)),
        h('dt', {}, 'Load'), h('dd', {}, `${Math.round(n.load * 100)} %`),
        h('dt', {}, 'Addresses'), h('dd', {}, n.addresses.join(', ')),
        h('dt', {}, 'Heartbeat'), h('dd', { 'data-testid': 'node-heartbeat' }, `${(n.heartbeatAgeMs / 1000).toFixed(1)} s ago`),
        h('dt', {}, 'Workers'), h('dd', {}, `${n.workersAlive} of ${n.workers} alive`)),
      table(`Workers of ${n.nodeId}`, ['Worker', 'PID', 'Calls', 'Routers', 'CPU'], n.workerStats.map((w) => [`#${w.index}`, w.pid, w.calls ?? '–', w.routers, `${Math.round(w.cpu * 100)} %`]), 'workers'))));
  };

  return {
    title: 'Media nodes',
    render(c) {
      ctx = c;
      c.main.append(section('Media nodes', h('p', { class: 'hint' }, 'A draining node takes no new calls; its running calls end by themselves or are closed after MEDIA_DRAIN_TIMEOUT_MS.'), list));
      draw();
      stop = c.live.listen((kind) => {
        if (kind === 'nodes') draw();
      });
    },
    leave() {
      stop?.();
    },
  };
}
