import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { excerpt } from '@ucserver/shared';
import type { RoseWireMessage } from '../codec/mod.ts';
import { LegacyOperations } from '../protocol/legacy.ts';
import { findOperation } from '../protocol/mod.ts';
import type { RestSessionStore } from '../session/RestSessionStore.ts';
import type { WsSessionStore } from '../session/WsSessionStore.ts';

export interface ClientRestOptions {
  store: WsSessionStore;
  rest: RestSessionStore;
  secure: boolean;
}

/** Operation names are ASCII identifiers; anything else is refused before it reaches a session. */
const OPERATION_NAME = /^asn[A-Za-z0-9]{1,80}$/;
const NO_SESSION = 'unknown or expired session id: send X-ucsessionid with the sessionid of /ws/client/createsession';

type Query = Record<string, string | string[] | undefined>;

function sessionIdOf(req: FastifyRequest): string | undefined {
  const q = (req.query ?? {}) as Query;
  const v = req.headers['x-ucsessionid'] ?? q['x-ucsessionid'] ?? q.ucsessionid;
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
}

function requestError(reply: FastifyReply, status: number, iErrorDetail: number, text: string, sessionID = ''): FastifyReply {
  return reply.code(status).send({ error: { _type: 'AsnRequestError', iErrorDetail, u8sErrorString: text }, error_value: 0, invokedID: 0, sessionID });
}

/** The REST answer to one ROSE reply: 200 and the bare result, or 400 and the error or reject. */
function answer(reply: FastifyReply, message: RoseWireMessage, sessionID: string): FastifyReply {
  if ('result' in message) return reply.code(200).send(message.result.result.result);
  if ('error' in message) return reply.code(400).send({ error: message.error.error, error_value: message.error.error_value, invokedID: message.error.invokedID, sessionID });
  if ('reject' in message) return reply.code(400).send({ reject: message.reject.reject, details: message.reject.details, invokedID: message.reject.invokedID, sessionID });
  return reply.code(500).send({});
}

/**
 * The REST side of the web service and the UCConnect lookup, as estos's samples use them:
 * - `POST|GET /ws/client/<operationName>` with `X-ucsessionid`: one operation, the bare argument as
 *   body, the bare result as answer (simple-session sample); events are accepted with `{}`.
 * - `GET|POST /ws/client/destroysession?ucsessionid=…`: ends it.
 * - `GET /controller/client/ucws?ucsid=…`: `{"redirect":"<this server's client URL>"}`, the first step
 *   of the SDK's node sample (UCConnect); this server is its own "ucweb".
 */
export async function clientRest(app: FastifyInstance, options: ClientRestOptions): Promise<void> {
  const ucws = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const redirect = `${options.secure ? 'https' : 'http'}://${req.host}`;
    return reply.code(200).send({ redirect });
  };
  app.get('/controller/client/ucws', ucws);
  app.post('/controller/client/ucws', ucws);

  const destroy = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const id = sessionIdOf(req);
    if (!id) return requestError(reply, 400, 1, NO_SESSION);
    const closed = options.rest.close(id, 'destroysession');
    const forgotten = options.store.forget(id);
    if (!closed && !forgotten) return requestError(reply, 400, 1, NO_SESSION, id);
    return reply.code(200).send({});
  };
  app.get('/ws/client/destroysession', destroy);
  app.post('/ws/client/destroysession', destroy);

  const call = async (req: FastifyRequest<{ Params: { operation: string } }>, reply: FastifyReply): Promise<unknown> => {
    const name = req.params.operation;
    if (!OPERATION_NAME.test(name)) return requestError(reply, 404, 1, `not an operation name: '${excerpt(name, 64)}'`);
    const id = sessionIdOf(req);
    if (!id) return requestError(reply, 401, 1, NO_SESSION);
    const entry = options.rest.open(id, options.rest.has(id) ? undefined : options.store.peek(id), { address: req.ip, secure: options.secure });
    if (!entry) return requestError(reply, 401, 1, NO_SESSION, id);
    const argument = req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body) ? {} : req.body;
    const op = Object.hasOwn(LegacyOperations, name) ? undefined : findOperation(name);
    if (op?.kind === 'event') {
      options.rest.event(entry, name, argument);
      return reply.code(200).send({});
    }
    try {
      return answer(reply, await options.rest.call(entry, name, argument), id);
    } catch (err) {
      return requestError(reply, 504, 1, err instanceof Error ? err.message : 'no answer', id);
    }
  };
  app.post('/ws/client/:operation', { bodyLimit: 262_144 }, call);
  app.get('/ws/client/:operation', call);
}
