// The admin API's live part, which the admin console (/admin) is built on: running calls with their
// media quality, hang-up, media nodes with their workers and drain, the system's health, the journal
// with its CSV export, and the event stream that pushes changes of calls, lines and nodes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MediaNodeInfo } from '@ucserver/shared';
import type { AdminConsole } from '../admin/AdminConsole.ts';
import type { AdminChange } from '../admin/AdminConsoleTypes.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LiveQuality } from '../calls/LiveQuality.ts';
import { UnavailableError } from '../errors.ts';
import type { JournalStore } from '../journal/JournalStore.ts';
import type { UserStore } from '../users/UserStore.ts';
import { ActiveCallOut, ApiError, JournalPage, JournalQuery, MediaNodeOut, NodeDrainIn, NodeDrainOut, SystemOut } from './adminSchemas.ts';
import { activeCallsOut, journalCsv, journalOut, mediaNodeOut } from './adminViews.ts';

export interface AdminConsoleRoutesOptions {
  users: UserStore;
  journal: JournalStore;
  calls: CallRegistry;
  quality: LiveQuality;
  mediaNodes: () => MediaNodeInfo[];
  console: AdminConsole;
  /** The lines as GET /lines answers them (the event stream sends the same). */
  lines: () => Promise<unknown[]>;
}

/**
 * The admin user behind a request (absent for the static ADMIN_TOKEN), set by the API's auth hook: an
 * event stream ends when that user's credentials are revoked (password changed, account disabled).
 */
export const adminUsers = new WeakMap<FastifyRequest, string>();

/** Changes of one kind within this window go out as one event. */
const COALESCE_MS = 250;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Event streams open at once; more are refused (503) so a runaway console cannot pile them up. */
const MAX_STREAMS = 64;
/** Rows of one CSV export at most. */
const CSV_MAX_ROWS = 10_000;

const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 429: ApiError, 502: ApiError, 503: ApiError };
const NodeId = z.string().regex(/^[A-Za-z0-9_:@+-]{1,128}$/, 'a media node id');
const CallId = z.string().regex(/^[A-Za-z0-9_:@+-]{1,128}$/, 'a call id');

export function adminConsoleRoutes(app: FastifyInstance, options: AdminConsoleRoutesOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const views: Record<AdminChange, () => unknown> = {
    calls: () => activeCallsOut(options.calls.list(), options.quality),
    lines: () => options.lines(),
    nodes: () => options.mediaNodes().map((n) => mediaNodeOut(n)),
  };
  let streams = 0;
  // One listener for all streams: a revoked admin's streams end (the console's reconnect then gets 401).
  const byUser = new Map<string, Set<() => void>>();
  const streamsOf = (userId: string): Set<() => void> => {
    let set = byUser.get(userId);
    if (!set) byUser.set(userId, (set = new Set()));
    return set;
  };
  options.users.on('credentialsrevoked', (user) => {
    for (const end of byUser.get(user.id) ?? []) end();
    byUser.delete(user.id);
  });

  api.get('/calls', { schema: { tags: ['calls'], summary: 'Running calls with media node, worker, path, codec and live quality', response: { 200: z.array(ActiveCallOut), ...errors } } }, async () =>
    activeCallsOut(options.calls.list(), options.quality));
  api.delete('/calls/:callId', { schema: { tags: ['calls'], summary: 'Hang up a running call', params: z.object({ callId: CallId }), response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await options.console.hangUp(req.params.callId);
    return reply.code(204).send(null);
  });

  api.get('/media/nodes', { schema: { tags: ['media'], summary: 'Live media nodes with their workers', response: { 200: z.array(MediaNodeOut), ...errors } } }, async () =>
    options.mediaNodes().map((n) => mediaNodeOut(n)));
  api.post('/media/nodes/:nodeId/drain', {
    schema: { tags: ['media'], summary: 'Drain a media node (no new calls; running ones end or are closed after MEDIA_DRAIN_TIMEOUT_MS), or undo it', params: z.object({ nodeId: NodeId }), body: NodeDrainIn, response: { 200: NodeDrainOut, ...errors } },
  }, async (req) => options.console.drainNode(req.params.nodeId, req.body.draining));

  api.get('/system', { schema: { tags: ['system'], summary: 'Health of NATS, the database and each service; monitoring links', response: { 200: SystemOut, ...errors } } }, async () => options.console.system());

  const journalRows = async (q: z.output<typeof JournalQuery>, limit: number, offset: number) => {
    const ownerUserId = q.user ? (await options.users.require(q.user)).id : undefined;
    return options.journal.list({
      lineNumber: q.line,
      ownerUserId,
      direction: q.direction,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      ...(q.result === 'answered' ? { connected: true } : q.result === 'unanswered' ? { connected: false } : q.result ? { cause: q.result } : {}),
      mediaPath: q.path,
      limit,
      offset,
    });
  };
  api.get('/journal', { schema: { tags: ['journal'], summary: 'Call journal, newest first', querystring: JournalQuery, response: { 200: JournalPage, ...errors } } }, async (req) => {
    const { entries, total } = await journalRows(req.query, req.query.limit, req.query.offset);
    return { entries: entries.map(journalOut), total, limit: req.query.limit, offset: req.query.offset };
  });
  api.get('/journal.csv', {
    schema: { tags: ['journal'], summary: `The filtered journal as CSV (newest first, at most ${CSV_MAX_ROWS} rows; limit/offset ignored)`, querystring: JournalQuery, produces: ['text/csv'], response: { 200: z.string(), ...errors } },
  }, async (req, reply) => {
    const { entries } = await journalRows(req.query, CSV_MAX_ROWS, 0);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="journal-${new Date().toISOString().slice(0, 10)}.csv"`)
      .send(journalCsv(entries));
  });

  api.get('/events', {
    schema: {
      tags: ['console'],
      summary: 'Live changes (text/event-stream)',
      description: 'Server-sent events `calls`, `lines` and `nodes`, each carrying the whole list as GET /calls, /lines and /media/nodes answer it: all three at once, then each again whenever the bus reports a change of its kind (coalesced to one per 250 ms).',
      produces: ['text/event-stream'],
    },
  }, async (req, reply) => {
    if (streams >= MAX_STREAMS) throw new UnavailableError(`too many event streams open (${MAX_STREAMS}); close another console`);
    streams += 1;
    const userId = adminUsers.get(req);
    const end = (): void => void reply.raw.end();
    if (userId) streamsOf(userId).add(end);
    openStream(req, reply, views, options.console, () => {
      streams -= 1;
      if (userId) streamsOf(userId).delete(end);
    });
    return reply;
  });
}

function openStream(req: FastifyRequest, reply: FastifyReply, views: Record<AdminChange, () => unknown>, source: AdminConsole, closed: () => void): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
  const pending = new Set<AdminChange>();
  let timer: NodeJS.Timeout | undefined;
  let open = true;
  const flush = async (): Promise<void> => {
    timer = undefined;
    const kinds = [...pending];
    pending.clear();
    for (const kind of kinds) {
      try {
        const data = JSON.stringify(await views[kind]());
        if (open) raw.write(`event: ${kind}\ndata: ${data}\n\n`);
      } catch (err) {
        req.log.warn({ kind, err: (err as Error).message }, 'admin event not sent');
      }
    }
  };
  const onChange = (kind: AdminChange): void => {
    pending.add(kind);
    timer ??= setTimeout(() => void flush(), COALESCE_MS);
  };
  const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
  source.on('changed', onChange);
  raw.on('close', () => {
    open = false;
    clearTimeout(timer);
    clearInterval(keepalive);
    source.off('changed', onChange);
    closed();
  });
  raw.write('retry: 2000\n\n');
  for (const kind of ['calls', 'lines', 'nodes'] as const) pending.add(kind);
  void flush();
}
