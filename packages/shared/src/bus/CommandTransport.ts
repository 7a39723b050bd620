// Commands over the bus, both ends: a request and its checked reply (the handler's errors travel as data,
// NATS's failures become our Bus* errors), and serving a command on a subject. What every BusPeer rides
// on; kept apart from the BusClient's connection, events and streams so each stays one screenful.
import { errors as natsErrors, type Msg } from '@nats-io/nats-core';
import {
  BusClosedError,
  BusNoReply, BusNoRespondersError,
  BusPayloadError,
  BusPermissionError,
  BusRemoteError,
  BusTimeoutError,
  InternalError,
  SharedErrorCodes,
  UcsError,
} from '../errors.ts';
import { ReplyEnvelope, type Command, type CommandHandler } from './contract.ts';
import type { BusPeerTransport, RequestOptions } from './BusPeerTypes.ts';
import type { SubscribeOptions, Unsubscribe } from './BusClientTypes.ts';
import type { CommandTransportHost } from './CommandTransportTypes.ts';
import { encodeJson, encodePayload, summarize } from './payloads.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

export class CommandTransport implements BusPeerTransport {
  readonly #host: CommandTransportHost;

  constructor(host: CommandTransportHost) {
    this.#host = host;
  }

  async request(subject: string, cmd: Command, payload: unknown, options: RequestOptions): Promise<unknown> {
    this.#host.assertOpen();
    const timeout = options.timeoutMs ?? this.#host.requestTimeoutMs;
    let msg: Msg;
    try {
      msg = await this.#host.nc.request(subject, encodePayload(subject, cmd.request, payload), { timeout });
    } catch (err) {
      throw translateRequestError(subject, timeout, err);
    }
    let envelope: ReplyEnvelope;
    try {
      envelope = ReplyEnvelope.parse(JSON.parse(decoder.decode(msg.data)));
    } catch (err) {
      throw new BusPayloadError(subject, 'reply is not a reply envelope', { cause: err });
    }
    if (!envelope.ok) throw new BusRemoteError(subject, envelope.error.code, envelope.error.message);
    const result = cmd.reply.safeParse(envelope.result);
    if (!result.success) throw new BusPayloadError(subject, `reply: ${summarize(result.error)}`);
    return result.data;
  }

  /** See {@link BusPeer.serve}. */
  serve(subject: string, cmd: Command, handler: CommandHandler<Command>, options: SubscribeOptions): Unsubscribe {
    const host = this.#host;
    host.assertOpen();
    return host.listen(subject, options, 'parallel', (msg, run) => {
      if (!msg.reply) {
        host.invalid(msg.subject, 'command without reply subject');
        return;
      }
      const decoded = host.decode(msg.subject, cmd.request, msg.data);
      if (decoded === undefined) {
        respond(msg, { ok: false, error: { code: SharedErrorCodes.UCS_ERR_BUS_PAYLOAD_INVALID, message: `invalid request on '${msg.subject}'` } });
        return;
      }
      run(async () => {
        try {
          const result: unknown = await handler(decoded.value);
          const checked = cmd.reply.safeParse(result);
          if (!checked.success) throw new BusPayloadError(msg.subject, `handler reply: ${summarize(checked.error)}`);
          respond(msg, { ok: true, result: checked.data });
        } catch (err) {
          if (err instanceof BusNoReply) return;
          const error = err instanceof Error ? err : new Error(String(err));
          const code = error instanceof UcsError ? error.code : InternalError.code;
          if (!(error instanceof UcsError)) host.handlerError(msg.subject, error);
          host.logger.debug({ subject: msg.subject, code, err: error.message }, 'command failed');
          respond(msg, { ok: false, error: { code, message: error.message } });
        }
      });
    });
  }
}

function respond(msg: Msg, envelope: ReplyEnvelope): void {
  msg.respond(encodeJson(envelope));
}

function translateRequestError(subject: string, timeout: number, err: unknown): Error {
  if (err instanceof natsErrors.TimeoutError) return new BusTimeoutError(subject, timeout, { cause: err });
  if (err instanceof natsErrors.NoRespondersError) return new BusNoRespondersError(subject, { cause: err });
  if (err instanceof natsErrors.PermissionViolationError) return new BusPermissionError(subject, { cause: err });
  if (err instanceof natsErrors.RequestError) {
    if (err.isNoResponders()) return new BusNoRespondersError(subject, { cause: err });
    if (err.cause instanceof natsErrors.PermissionViolationError) return new BusPermissionError(subject, { cause: err });
    if (err.cause instanceof natsErrors.TimeoutError) return new BusTimeoutError(subject, timeout, { cause: err });
  }
  if (err instanceof natsErrors.ClosedConnectionError || err instanceof natsErrors.DrainingConnectionError) {
    return new BusClosedError(`bus closed while requesting '${subject}'`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
