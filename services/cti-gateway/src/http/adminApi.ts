import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { excerpt, InternalError, UcsError, type MediaNodeInfo } from '@ucserver/shared';
import type { CallRow, UserRow } from '@ucserver/shared/db';
import type { Authenticator } from '../auth/Authenticator.ts';
import { credentialsFromHeader } from '../auth/credentials.ts';
import { adminConsoleRoutes, adminUsers } from './adminConsoleRoutes.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { AdminConsole } from '../admin/AdminConsole.ts';
import type { CaptureClient } from '../bus/CaptureClient.ts';
import type { LiveQuality } from '../calls/LiveQuality.ts';
import { AccountDisabledError, AuthenticationError, ConflictError, ForbiddenError, HttpError, LockedOutError, MediaCommandError, NotFoundError, PbxCommandError, UnavailableError, ValidationError } from '../errors.ts';
import type { JournalStore } from '../journal/JournalStore.ts';
import type { LineCapturePolicy } from '../lines/LineCapturePolicy.ts';
import type { LineStore, LineView } from '../lines/LineStore.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineRoutingState } from '../lines/LineRoutingTypes.ts';
import type { RegistrationStates } from '../lines/RegistrationStates.ts';
import { applyRouting } from './lineRouting.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { UserStore } from '../users/UserStore.ts';
import { CAPTURE_STATUS, captureRoutes } from './captureApi.ts';
import { pickupGroupRoutes } from './pickupGroupApi.ts';
import type { PickupGroupStore } from '../pickup/PickupGroupStore.ts';
import {
  ApiError,
  LineCreate,
  LineNumber,
  LineOut,
  LinePatch,
  LineRoutingPut,
  Login,
  LoginIn,
  LoginOut,
  UserClientOut,
  UserCreate,
  UserOut,
  UserPatch,
} from './adminSchemas.ts';

export interface AdminApiOptions {
  /** Decides every login; it also knows the static admin token (ADMIN_TOKEN). */
  auth: Authenticator;
  users: UserStore;
  lines: LineStore;
  registrations: RegistrationStates;
  journal: JournalStore;
  calls: CallRegistry;
  /** The live media nodes (MediaPlacement's view of their heartbeats). */
  mediaNodes: () => MediaNodeInfo[];
  quality: LiveQuality;
  console: AdminConsole;
  sessions: SessionRegistry;
  /** DND and forwards per line (shown with the lines, set by PUT /lines/{n}/routing). */
  routing: LineRouting;
  /** After an admin changed a line's DND or forwards: tell its CTI monitors (unset until the bus is up). */
  routingChanged?: (lineId: string, what: { dnd: boolean; forwards: boolean }) => void;
  /** Call capture on the media nodes; undefined until the bus is up. */
  captures: () => CaptureClient | undefined;
  capturePolicy: LineCapturePolicy;
  /** Pickup groups (/pickup-groups). */
  pickupGroups: PickupGroupStore;
}

/** The HTTP status of each domain error; any other UcsError is a 500. */
const STATUS_BY_CLASS: ReadonlyArray<[new (...args: never[]) => UcsError, number]> = [
  [NotFoundError, 404],
  [ConflictError, 409],
  [ValidationError, 400],
  [AuthenticationError, 401],
  [ForbiddenError, 403],
  [AccountDisabledError, 403],
  [LockedOutError, 429],
  [MediaCommandError, 502],
  [PbxCommandError, 502],
  [UnavailableError, 503],
];

function statusOf(err: UcsError): number {
  if (err instanceof MediaCommandError && err.remoteCode && CAPTURE_STATUS[err.remoteCode]) return CAPTURE_STATUS[err.remoteCode]!;
  if (err instanceof HttpError) return err.statusCode;
  return STATUS_BY_CLASS.find(([Class]) => err instanceof Class)?.[1] ?? 500;
}

const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 429: ApiError, 503: ApiError };

/**
 * The admin REST API (/api/v1): users, lines, active calls, journal. An encapsulated plugin: its auth
 * hook and error handler apply to these routes only. Callers authenticate with the configured admin
 * bearer token, an admin user's login token, or an admin user's Basic credentials.
 */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, req, reply) => {
    if (err instanceof LockedOutError) reply.header('retry-after', Math.ceil(err.retryAfterMs / 1000));
    if (err instanceof AuthenticationError) reply.header('www-authenticate', 'Bearer realm="ucserver", Basic realm="ucserver", charset="UTF-8"');
    // messages can quote what the client sent (a login, a JSON parser's view of the body): bounded
    const send = (status: number, e: UcsError) => reply.code(status).send({ error: { code: e.code, message: excerpt(e.message, 512) } });
    if (err instanceof UcsError) return send(statusOf(err), err);
    if (err.validation) return send(400, new ValidationError(err.message));
    if (err.statusCode && err.statusCode < 500) return send(err.statusCode, new HttpError(err.statusCode, err.message, { cause: err }));
    req.log.error({ err }, 'admin API failure');
    return send(500, new InternalError('internal error', { cause: err }));
  });

  // Who each request is from, for the log of capture starts, stops and downloads.
  const admins = new WeakMap<FastifyRequest, string>();
  api.addHook('onRequest', async (req: FastifyRequest) => {
    if ((req.routeOptions.config as { public?: boolean }).public) return;
    admins.set(req, await authorize(req, options));
  });

  // The admin console's login: an admin user's password for a bearer token (a user's is refused).
  api.post('/login', {
    config: { public: true },
    schema: { tags: ['session'], summary: 'Log an administrator in: a bearer token for this API', body: LoginIn, response: { 200: LoginOut, ...errors } },
  }, async (req) => {
    const { user, token } = await options.auth.authenticate({ kind: 'basic', login: req.body.login, password: req.body.password }, req.ip);
    if (user.role !== 'admin') throw new ForbiddenError(`user '${user.login}' is not an administrator`);
    return { token, login: user.login, displayName: user.displayName, expiresInS: options.auth.tokens.ttlS };
  });

  // Users
  api.get('/users', { schema: { tags: ['users'], summary: 'List users', response: { 200: z.array(UserOut), ...errors } } }, async () =>
    (await options.users.list()).map(userOut));
  api.post('/users', { schema: { tags: ['users'], summary: 'Create a user', body: UserCreate, response: { 201: UserOut, ...errors } } }, async (req, reply) =>
    reply.code(201).send(userOut(await options.users.create(req.body))));
  api.get('/users/:login', { schema: { tags: ['users'], params: z.object({ login: Login }), response: { 200: UserOut, ...errors } } }, async (req) =>
    userOut(await options.users.require(req.params.login)));
  api.get('/users/:login/clients', { schema: { tags: ['users'], summary: "The user's connected clients (ENetUC TCP, WebSocket, REST)", params: z.object({ login: Login }), response: { 200: z.array(UserClientOut), ...errors } } }, async (req) => {
    const user = await options.users.require(req.params.login);
    return options.sessions.ofUser(user.id).map((s) => ({
      sessionId: s.id,
      transport: s.transport.kind,
      address: s.transport.remoteAddress,
      secure: s.transport.secure,
      since: new Date(s.openedAt).toISOString(),
      softphone: s.softphone,
    }));
  });
  api.patch('/users/:login', { schema: { tags: ['users'], params: z.object({ login: Login }), body: UserPatch, response: { 200: UserOut, ...errors } } }, async (req) =>
    userOut(await options.users.update(req.params.login, req.body)));
  api.delete('/users/:login', { schema: { tags: ['users'], params: z.object({ login: Login }), response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await options.users.remove(req.params.login);
    return reply.code(204).send(null);
  });

  // Lines
  const lineOut = (l: LineView, routing: LineRoutingState | undefined): z.input<typeof LineOut> => {
    const { authPassword: _secret, ownerUserId: _owner, ownerLogin, ...rest } = l;
    const reg = options.registrations.get(l.id);
    return {
      ...rest,
      owner: ownerLogin,
      createdAt: l.createdAt.toISOString(),
      updatedAt: l.updatedAt.toISOString(),
      registration: reg ? { status: reg.status, at: reg.at, ...(reg.expiresAt ? { expiresAt: reg.expiresAt } : {}), ...(reg.sipStatus ? { sipStatus: reg.sipStatus } : {}), ...(reg.reason ? { reason: reg.reason } : {}) } : null,
      routing: routing ?? { dnd: false, forwards: [] },
    };
  };
  const linesOut = async (): Promise<Array<z.input<typeof LineOut>>> => {
    const [lines, routing] = await Promise.all([options.lines.list(), options.routing.all()]);
    return lines.map((l) => lineOut(l, routing.get(l.id)));
  };
  const oneLineOut = async (l: LineView): Promise<z.input<typeof LineOut>> => lineOut(l, await options.routing.get(l.id));
  api.get('/lines', { schema: { tags: ['lines'], summary: 'List lines with their registration state and routing', response: { 200: z.array(LineOut), ...errors } } }, linesOut);
  api.post('/lines', { schema: { tags: ['lines'], summary: 'Create a line (the pbx-adapter registers it at once)', body: LineCreate, response: { 201: LineOut, ...errors } } }, async (req, reply) => {
    const { owner, ...rest } = req.body;
    return reply.code(201).send(await oneLineOut(await options.lines.create({ ...rest, ownerLogin: owner })));
  });
  api.get('/lines/:number', { schema: { tags: ['lines'], params: z.object({ number: LineNumber }), response: { 200: LineOut, ...errors } } }, async (req) =>
    oneLineOut(await options.lines.require(req.params.number)));
  api.patch('/lines/:number', { schema: { tags: ['lines'], params: z.object({ number: LineNumber }), body: LinePatch, response: { 200: LineOut, ...errors } } }, async (req) => {
    const { owner, ...rest } = req.body;
    return oneLineOut(await options.lines.update(req.params.number, { ...rest, ...(owner !== undefined ? { ownerLogin: owner } : {}) }));
  });
  api.put('/lines/:number/routing', { schema: { tags: ['lines'], summary: "Set a line's DND and forwards (as its user would; its CTI monitors are told)", params: z.object({ number: LineNumber }), body: LineRoutingPut, response: { 200: LineOut, ...errors } } }, async (req) => {
    const line = await options.lines.require(req.params.number);
    await applyRouting(options.routing, line, req.body);
    options.routingChanged?.(line.id, { dnd: req.body.dnd !== undefined, forwards: req.body.forwards !== undefined });
    req.log.info({ line: line.number, by: admins.get(req), dnd: req.body.dnd, forwards: req.body.forwards?.length }, 'line routing set by an admin');
    return oneLineOut(line);
  });
  api.delete('/lines/:number', { schema: { tags: ['lines'], params: z.object({ number: LineNumber }), response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await options.lines.remove(req.params.number);
    return reply.code(204).send(null);
  });

  // Calls, media nodes, journal, system, live events
  adminConsoleRoutes(api, { ...options, lines: linesOut });
  pickupGroupRoutes(app, { groups: options.pickupGroups, adminOf: (req) => admins.get(req) ?? 'unknown' });
  captureRoutes(app, { calls: options.calls, captures: options.captures, adminOf: (req) => admins.get(req) ?? 'unknown', lines: options.lines, policy: options.capturePolicy });
}

/** The admin's name: `admin-token` for the static token, else the admin user's login. */
async function authorize(req: FastifyRequest, options: AdminApiOptions): Promise<string> {
  const header = req.headers.authorization;
  const creds = credentialsFromHeader(header);
  if (!creds) throw new AuthenticationError('authentication required');
  if (creds.kind === 'bearer' && options.auth.isAdminToken(creds.token, req.ip)) return 'admin-token';
  const { user } = await options.auth.authenticate(creds, req.ip);
  if (user.role !== 'admin') throw new ForbiddenError(`user '${user.login}' is not an administrator`);
  adminUsers.set(req, user.id);
  return user.login;
}

function userOut(u: UserRow): z.input<typeof UserOut> {
  const { passwordHash: _hash, tokenVersion: _version, ...rest } = u;
  return { ...rest, createdAt: u.createdAt.toISOString(), updatedAt: u.updatedAt.toISOString() };
}
