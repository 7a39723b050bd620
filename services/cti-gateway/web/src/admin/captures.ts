// Call capture in the console: start / stop / download on a live call's row, and the Captures page
// (every stored capture of the live media nodes: call, line, size, who started it, when; download,
// delete). The pcapng download goes through AdminApi.download (fetch with the bearer token → Blob).
import { AdminApiError } from './AdminApi.js';
import { bytesText, captureErrorText, captureStateText, downloadable, type Capture } from './captureFormat.js';
import { badge, button, dateTime, h, messageOf, section, table, type Page, type PageContext } from './ui.js';
import type { JournalEntry, LiveCall } from './types.js';

type Action = 'start' | 'stop' | 'download' | 'delete';

/** Runs a capture action; a refusal becomes a clear sentence in the banner. True when it worked. */
async function act(ctx: PageContext, action: Action, fn: () => Promise<string>): Promise<boolean> {
  try {
    ctx.notify(await fn(), 'ok');
    return true;
  } catch (err) {
    ctx.notify(err instanceof AdminApiError ? captureErrorText(action, err.status, err.message) : messageOf(err));
    return false;
  }
}

const enc = encodeURIComponent;

export function startCapture(ctx: PageContext, callId: string, label: string): Promise<boolean> {
  return act(ctx, 'start', async () => {
    await ctx.api.request<Capture>('POST', `/calls/${enc(callId)}/capture`, {});
    return `Capturing the call ${label}.`;
  });
}

export function stopCapture(ctx: PageContext, callId: string, label: string): Promise<boolean> {
  return act(ctx, 'stop', async () => {
    const c = await ctx.api.request<Capture>('DELETE', `/calls/${enc(callId)}/capture`);
    return `Capture of the call ${label} stopped: ${c.packets} packets, ${bytesText(c.bytes)}.`;
  });
}

export function downloadCapture(ctx: PageContext, callId: string): Promise<boolean> {
  return act(ctx, 'download', async () => {
    const size = await ctx.api.download(`/calls/${enc(callId)}/capture.pcapng`, `call-${callId}.pcapng`);
    return `Downloaded the capture of call ${callId} (${bytesText(size)}).`;
  });
}

export function captureBadge(c: Capture): HTMLElement {
  return badge(captureStateText(c), c.state === 'running' ? 'warn' : c.state === 'failed' ? 'error' : 'ok', 'capture-state', c.state);
}

/** The capture cell of a live call's row: its newest capture's state and the buttons that fit it. */
export function captureCell(ctx: PageContext, call: LiveCall, newest: Capture | undefined, refresh: () => Promise<void>): HTMLElement {
  const label = `of line ${call.line} with ${call.remoteNumber}`;
  const then = (p: Promise<boolean>): Promise<void> => p.then(refresh);
  const buttons = newest?.state === 'running'
    ? [button('Stop capture', () => then(stopCapture(ctx, call.callId, label)), { 'data-testid': 'capture-stop', 'aria-label': `Stop capturing the call ${label}` }, 'btn btn-quiet')]
    : [
        button('Start capture', () => then(startCapture(ctx, call.callId, label)), { 'data-testid': 'capture-start', 'aria-label': `Start capturing the call ${label}` }, 'btn btn-quiet'),
        newest ? button('Download .pcapng', async () => void (await downloadCapture(ctx, call.callId)), { 'data-testid': 'capture-download', 'aria-label': `Download the capture of the call ${label}` }, 'btn btn-quiet') : null,
      ];
  return h('span', { class: 'actions capture' }, newest ? captureBadge(newest) : null, ...buttons);
}

/** Fetches GET /captures; an unreachable bus leaves the list empty and says why once. */
export async function fetchCaptures(ctx: PageContext): Promise<Capture[]> {
  return ctx.api.request<Capture[]>('GET', '/captures');
}

export function capturesPage(): Page {
  let ctx: PageContext;
  let stop: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const list = h('div', { 'data-testid': 'captures-list' });
  /** callId → line, from the live calls and the journal's newest rows. */
  const lineOf = new Map<string, string>();

  const refresh = async (): Promise<void> => {
    const captures = await fetchCaptures(ctx).catch((err: unknown) => {
      ctx.notify(messageOf(err));
      return [] as Capture[];
    });
    for (const c of ctx.live.calls) lineOf.set(c.callId, c.line);
    if (captures.some((c) => !lineOf.has(c.callId))) {
      const journal = await ctx.api.request<{ entries: JournalEntry[] }>('GET', '/journal?limit=500').catch(() => ({ entries: [] }));
      for (const e of journal.entries) if (!lineOf.has(e.callId)) lineOf.set(e.callId, e.lineNumber);
    }
    const canDownload = downloadable(captures);
    list.replaceChildren(table('Stored captures', ['Call', 'Line', 'State', 'Packets', 'Size', 'Node', 'Started by', 'Started', 'Actions'], captures.map((c) => [
      h('code', { 'data-testid': 'capture-call' }, c.callId),
      lineOf.get(c.callId) ?? null,
      captureBadge(c),
      h('span', { class: 'num' }, String(c.packets)),
      h('span', { class: 'num', 'data-testid': 'capture-size', 'data-bytes': String(c.bytes) }, bytesText(c.bytes)),
      c.nodeId,
      h('span', { 'data-testid': 'capture-by' }, c.startedBy),
      dateTime(new Date(c.startedAt).toISOString()),
      h('span', { class: 'actions' },
        canDownload.has(c.captureId) ? button('Download', async () => void (await downloadCapture(ctx, c.callId)), { 'data-testid': 'capture-download', 'aria-label': `Download the capture of call ${c.callId}` }, 'btn btn-quiet') : null,
        c.state === 'running'
          ? button('Stop', () => stopCapture(ctx, c.callId, c.callId).then(refresh), { 'data-testid': 'capture-stop', 'aria-label': `Stop the capture of call ${c.callId}` }, 'btn btn-quiet')
          : button('Delete', () => remove(c), { 'data-testid': 'capture-delete', 'aria-label': `Delete the capture of call ${c.callId}` }, 'btn btn-danger')),
    ]), 'captures', (i) => ({ 'data-capture-id': captures[i]!.captureId, 'data-call-id': captures[i]!.callId })));
  };

  const remove = async (c: Capture): Promise<void> => {
    if (!confirm(`Delete the capture of call ${c.callId} (${bytesText(c.bytes)})?`)) return;
    await act(ctx, 'delete', async () => {
      await ctx.api.request('DELETE', `/captures/${enc(c.captureId)}`);
      return `Deleted the capture of call ${c.callId}.`;
    });
    await refresh();
  };

  return {
    title: 'Captures',
    async render(c) {
      ctx = c;
      c.main.append(section('Stored captures',
        h('p', { class: 'hint' }, 'Captures on the live media nodes, newest first. Start one from a running call (Live calls) or capture every call of a line (Lines). A download is the call\'s newest stopped capture, as one pcapng file.'),
        h('div', { class: 'toolbar' }, button('Refresh', refresh, { 'data-testid': 'captures-refresh' }, 'btn btn-quiet')),
        list));
      await refresh();
      // running captures grow: their size is read again every 3 s while the page is open
      timer = setInterval(() => {
        if (list.querySelector('[data-testid="capture-state"][data-state="running"]')) void refresh();
      }, 3000);
      stop = c.live.listen((kind) => {
        if (kind === 'calls') for (const call of c.live.calls) lineOf.set(call.callId, call.line);
      });
    },
    leave() {
      stop?.();
      clearInterval(timer);
    },
  };
}

