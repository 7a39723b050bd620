import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { excerpt, type Logger } from '@ucserver/shared';
import type { Authenticator, Credentials } from '../auth/Authenticator.ts';
import { credentialsFromHeader } from '../auth/credentials.ts';
import { AccountDisabledError, AuthenticationError, LockedOutError } from '../errors.ts';
import { ClientSession } from '../session/ClientSession.ts';
import type { OperationTable } from '../session/ClientSessionTypes.ts';
import { LogonError } from '../session/CtiRequestError.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import { WsClientTransport } from '../session/WsClientTransport.ts';
import type { WsSessionStore } from '../session/WsSessionStore.ts';

export interface ClientWebSocketOptions {
  auth: Authenticator;
  store: WsSessionStore;
  table: OperationTable;
  sessions: SessionRegistry;
  logger: Logger;
  secure: boolean;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  maxQueuedBytes: number;
  maxPendingInvokes: number;
}

type CreateSessionQuery = Record<string, string | string[] | undefined>;

/**
 * Query parameters that would carry a credential in the URL. ENetUC's web service documents `user=`,
 * `pass=` and `token=`; we refuse them all: a URL ends up in proxy and access logs, browser history
 * and Referer headers, and a login token is a credential for AUTH_TOKEN_TTL_S. estos's own samples
 * send `Authorization: Basic`, and the token has its header, `X-UCToken`.
 */
const CREDENTIAL_PARAMS = ['user', 'pass', 'password', 'token'] as const;
const CREDENTIALS_IN_URL = 'credentials in the URL are not accepted (user=, pass=, token=): send Authorization: Basic base64(user:password), Authorization: Bearer <token> or X-UCToken: <token>';

/** Characters of a client's login name echoed in u8sFailedUser. */
const FAILED_USER_EXCERPT = 64;

/**
 * An error on a client's WebSocket. The ws library reports what the client did wrong (a frame over
 * maxPayload, invalid UTF-8 in a text frame, a bad opcode or mask: codes `WS_ERR_*`) after it has sent
 * the close frame (1009, 1007, 1002): a warning without a stack, not an error a client could raise at
 * will in the operator's alerts. Anything else is ours and stays an error. The socket is terminated.
 */
export function clientSocketError(this: unknown, error: Error & { code?: unknown }, socket: import('ws').WebSocket, request: FastifyRequest): void {
  if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) {
    request.log.warn({ code: error.code, err: error.message, remoteAddress: request.ip }, 'client WebSocket protocol error, closed');
  } else {
    request.log.error({ err: error }, 'client WebSocket failed');
  }
  socket.terminate();
}

/**
 * The UCServer web-service entry for clients: `/ws/client/createsession` (credentials in the
 * Authorization header, Basic or Bearer, or a login token in `X-UCToken`; never in the URL) returns a
 * session id and a fresh login token; `/ws/client/websocket?x-ucsessionid=…` attaches a WebSocket to it. The same operation
 * table serves TCP and WebSocket clients.
 */
export async function clientWebSocket(app: FastifyInstance, options: ClientWebSocketOptions): Promise<void> {
  await app.register(websocket, { options: { maxPayload: options.maxMessageBytes }, errorHandler: clientSocketError });

  const createSession = async (req: FastifyRequest<{ Querystring: CreateSessionQuery }>, reply: FastifyReply): Promise<unknown> => {
    const q: CreateSessionQuery = req.query ?? {};
    const no401 = q.no401 !== undefined || req.headers['x-no401'] === '1';
    const refuse = (detail: number, text: string, failedUser: string, status?: 400): FastifyReply => {
      if (!no401 && status === undefined) {
        return reply.code(401).header('www-authenticate', 'Basic realm="ucserver", charset="UTF-8"').send({ error: { _type: 'AsnLogonError', iErrorDetail: detail, u8sErrorString: text } });
      }
      return reply.code(400).send({ error: { _type: 'AsnLogonError', iErrorDetail: detail, sAuthCredetials: '', u8sErrorString: text, u8sFailedUser: excerpt(failedUser, FAILED_USER_EXCERPT) }, error_value: 0, invokedID: 0, sessionID: '' });
    };
    // Refused before anything else, even with a valid Authorization header: the secret has leaked into
    // the URL already, and the client has to hear it. The request is not logged (the URL would be).
    if (CREDENTIAL_PARAMS.some((p) => q[p] !== undefined)) return refuse(LogonError.authMethodNotSupported, CREDENTIALS_IN_URL, '', 400);
    let creds: Credentials | undefined = credentialsFromHeader(req.headers.authorization);
    const uctoken = req.headers['x-uctoken'];
    if (!creds && typeof uctoken === 'string' && uctoken) creds = { kind: 'bearer', token: uctoken };
    if (!creds) return refuse(LogonError.invalidUser, 'authentication required', '');
    const failedUser = creds.kind === 'basic' ? creds.login : '';
    try {
      // The fresh login token rides along, in asnLoginV2's shape: a client re-logs in with it (Bearer or
      // X-UCToken) instead of keeping the password, and a gateway's restart costs no password checks.
      const { user, token } = await options.auth.authenticate(creds, req.ip);
      return { sessionid: options.store.create(user), token: { u8sToken: token } };
    } catch (err) {
      if (err instanceof LockedOutError) return refuse(LogonError.tooManyAttempts, err.message, failedUser);
      if (err instanceof AccountDisabledError) return refuse(LogonError.accountLocked, err.message, failedUser);
      if (err instanceof AuthenticationError) return refuse(creds.kind === 'bearer' ? LogonError.tokenExpired : LogonError.invalidUser, err.message, failedUser);
      throw err;
    }
  };
  app.post('/ws/client/createsession', { bodyLimit: 16_384 }, createSession);
  app.get('/ws/client/createsession', createSession);

  const attach = (socket: import('ws').WebSocket, req: FastifyRequest): void => {
    const id = (req.query as Record<string, string | undefined>)['x-ucsessionid'] ?? req.headers['x-ucsessionid'];
    const user = typeof id === 'string' ? options.store.take(id) : undefined;
    if (!user) {
      socket.close(1008, 'unknown or expired x-ucsessionid (POST /ws/client/createsession first)');
      return;
    }
    const log = options.logger.child({ component: 'cti-ws' });
    const transport = new WsClientTransport(socket, { remoteAddress: req.ip, secure: options.secure, idleTimeoutMs: options.idleTimeoutMs, maxQueuedBytes: options.maxQueuedBytes, logger: log });
    const session = new ClientSession(transport, options.table, log, { maxPendingInvokes: options.maxPendingInvokes });
    // Web clients are softphones (ProCall Web, the built-in page); the web service logged them in.
    session.softphone = true;
    transport.bind((text) => session.receive(text), (reason) => session.close(reason), () => session.busy);
    options.sessions.add(session);
    session.authenticate(user);
  };
  app.get('/ws/client/websocket', { websocket: true }, attach);
  app.get('/ws/client/websocket/', { websocket: true }, attach);
}
