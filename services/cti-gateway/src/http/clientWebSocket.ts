import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@ucserver/shared';
import { credentialsFromHeader, type Authenticator, type Credentials } from '../auth/Authenticator.ts';
import { AuthenticationError, LockedOutError } from '../errors.ts';
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

interface CreateSessionQuery {
  user?: string;
  pass?: string;
  token?: string;
  no401?: string;
  clientappid?: string;
}

/**
 * The UCServer web-service entry for clients: `/ws/client/createsession` (Basic, bearer, `token=`,
 * `user=&pass=` or `x-uctoken`) returns a session id; `/ws/client/websocket?x-ucsessionid=…` attaches
 * a WebSocket to it. The same operation table serves TCP and WebSocket clients.
 */
export async function clientWebSocket(app: FastifyInstance, options: ClientWebSocketOptions): Promise<void> {
  await app.register(websocket, { options: { maxPayload: options.maxMessageBytes } });

  const createSession = async (req: FastifyRequest<{ Querystring: CreateSessionQuery }>, reply: FastifyReply): Promise<unknown> => {
    const q = req.query ?? {};
    const no401 = q.no401 !== undefined || req.headers['x-no401'] === '1';
    let creds: Credentials | undefined = credentialsFromHeader(req.headers.authorization);
    const uctoken = req.headers['x-uctoken'];
    if (!creds && typeof q.token === 'string' && q.token) creds = { kind: 'bearer', token: q.token };
    if (!creds && typeof uctoken === 'string' && uctoken) creds = { kind: 'bearer', token: uctoken };
    if (!creds && typeof q.user === 'string') creds = { kind: 'basic', login: q.user, password: typeof q.pass === 'string' ? q.pass : '' };
    // Query/token logins always fail with 400 (reference §1.3).
    const queryLogin = q.token !== undefined || q.user !== undefined;
    const refuse = (detail: number, text: string, failedUser: string): FastifyReply => {
      if (!no401 && !queryLogin) {
        return reply.code(401).header('www-authenticate', 'Basic realm="ucserver", charset="UTF-8"').send({ error: { _type: 'AsnLogonError', iErrorDetail: detail, u8sErrorString: text } });
      }
      return reply.code(400).send({ error: { _type: 'AsnLogonError', iErrorDetail: detail, sAuthCredetials: '', u8sErrorString: text, u8sFailedUser: failedUser }, error_value: 0, invokedID: 0, sessionID: '' });
    };
    if (!creds) return refuse(LogonError.invalidUser, 'authentication required', '');
    const failedUser = creds.kind === 'basic' ? creds.login : '';
    try {
      const { user } = await options.auth.authenticate(creds, req.ip);
      return { sessionid: options.store.create(user) };
    } catch (err) {
      if (err instanceof LockedOutError) return refuse(LogonError.tooManyAttempts, err.message, failedUser);
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
