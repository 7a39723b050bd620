// Live calls: every running call with its lines, state, duration, media node and worker, path, codec
// and quality (loss, jitter, RTT, MOS) as the media nodes measure it, pushed by the event stream; hang up;
// capture (start, stop, download .pcapng).
import { captureCell, fetchCaptures } from './captures.js';
import { newestByCall, type Capture } from './captureFormat.js';
import { badge, button, duration, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { LiveCall } from './types.js';

function mosBadge(mos: number): HTMLElement {
  return badge(mos.toFixed(2), mos >= 4 ? 'ok' : mos >= 3.6 ? 'warn' : 'error', 'call-mos');
}

export function callsPage(): Page {
  let ctx: PageContext;
  let stop: (() => void) | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const list = h('div', { 'data-testid': 'calls-list' });
  /** The newest capture of each call, read again after each action and with the calls events (at most every 2 s). */
  let captures = new Map<string, Capture>();
  let capturesAt = 0;
  const refreshCaptures = async (): Promise<void> => {
    capturesAt = Date.now();
    try {
      captures = newestByCall(await fetchCaptures(ctx));
    } catch {
      captures = new Map();
    }
    draw();
  };

  const draw = (): void => {
    const calls = ctx.live.calls;
    const since = (Date.now() - ctx.live.callsAt) / 1000;
    const rows = calls.map((c: LiveCall) => {
      const q = c.quality;
      return [
        h('span', {}, h('strong', {}, c.line), ` ${c.direction === 'inbound' ? '←' : '→'} ${c.remoteNumber}`, c.remoteName ? h('small', {}, ` ${c.remoteName}`) : null),
        badge(c.hold ? `held (${c.hold})` : c.state, c.state === 'connected' ? 'ok' : c.state === 'held' ? 'warn' : 'off', 'call-state', c.state),
        h('span', { class: 'num', 'data-testid': 'call-duration', 'data-base': String(c.durationS), 'data-counting': String(c.state === 'connected') }, duration(c.durationS + (c.state === 'connected' ? since : 0))),
        c.mediaNode ? h('span', { 'data-testid': 'call-node' }, `${c.mediaNode}${c.worker === undefined ? '' : ` / w${c.worker}`}`) : null,
        c.mediaPath ? badge(c.mediaPath === 'direct' ? 'Direct Media' : 'via PBX', c.mediaPath === 'direct' ? 'ok' : 'off', 'call-path', c.mediaPath) : null,
        c.codec ? h('span', { 'data-testid': 'call-codec' }, c.codec) : null,
        q ? h('span', { class: 'num', 'data-testid': 'call-loss' }, `${q.lossPercent.toFixed(1)} %`) : null,
        q ? h('span', { class: 'num', 'data-testid': 'call-jitter' }, `${q.jitterMs.toFixed(1)} ms`) : null,
        q?.rttMs === undefined ? null : h('span', { class: 'num', 'data-testid': 'call-rtt' }, `${q.rttMs.toFixed(0)} ms`),
        q ? mosBadge(q.mos) : null,
        captureCell(ctx, c, captures.get(c.callId), refreshCaptures),
        button('Hang up', () => hangUp(c), { 'data-testid': 'call-hangup', 'aria-label': `Hang up the call of line ${c.line} with ${c.remoteNumber}` }, 'btn btn-danger'),
      ];
    });
    list.replaceChildren(table('Running calls', ['Call', 'State', 'Duration', 'Node / worker', 'Path', 'Codec', 'Loss', 'Jitter', 'RTT', 'MOS', 'Capture', ''], rows, 'calls', (i) => ({ 'data-call-id': calls[i]!.callId, 'data-line': calls[i]!.line, 'data-quality-at': calls[i]!.quality?.at ?? '' })));
  };

  const hangUp = async (c: LiveCall): Promise<void> => {
    try {
      await ctx.api.request('DELETE', `/calls/${encodeURIComponent(c.callId)}`);
      ctx.notify(`Hung up the call of line ${c.line} with ${c.remoteNumber}.`, 'ok');
    } catch (err) {
      ctx.notify(messageOf(err));
    }
  };

  return {
    title: 'Live calls',
    render(c) {
      ctx = c;
      c.main.append(section('Running calls', h('p', { class: 'hint' }, 'Quality as the media node measures it (loss and jitter of what it receives, RTT from RTCP, MOS estimated by the E-model); it updates by itself.'), list));
      draw();
      void refreshCaptures();
      stop = c.live.listen((kind) => {
        if (kind !== 'calls') return;
        draw();
        if (ctx.live.calls.length > 0 && Date.now() - capturesAt > 2000) void refreshCaptures();
      });
      // only the displayed durations count on between events; nothing is fetched or rebuilt
      ticker = setInterval(() => {
        const since = (Date.now() - ctx.live.callsAt) / 1000;
        for (const el of list.querySelectorAll<HTMLElement>('[data-testid="call-duration"][data-counting="true"]')) el.textContent = duration(Number(el.dataset.base) + since);
      }, 1000);
    },
    leave() {
      stop?.();
      clearInterval(ticker);
    },
  };
}
