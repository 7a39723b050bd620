import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { excerpt, UcsError, type Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { buildReject, InvokeProblem, RejectReasons, type RoseInvokeWire, type RoseWireMessage } from '../codec/mod.ts';
import {
  buildError,
  buildEvent,
  buildResult,
  interpretInbound,
  type ArgumentOf,
  type AsnClientCapabilitiesV2,
  type InboundAction,
  type OutboundEventName,
  type ResultOf,
} from '../protocol/mod.ts';
import { adaptLegacyInvoke, legacyResult } from '../protocol/legacy.ts';
import { CtiRequestError } from './CtiRequestError.ts';
import type { ClientTransport } from './ClientTransport.ts';
import type { ClientSessionEvents, ClientSessionOptions, OperationTable, SessionState } from './ClientSessionTypes.ts';

const NOT_LOGGED_IN = { problem: { invokeProblem: InvokeProblem.authenticationIncomplete }, details: 'authenticationIncomplete: log in first (asnLoginV2)' } as const;
/** Characters of an error text sent to a client (and logged with it). */
const ERROR_TEXT_CHARS = 512;
const BUSY = { problem: { invokeProblem: InvokeProblem.resourceLimitation }, details: 'resourceLimitation: too many invokes in flight' } as const;

/**
 * One logged-in (or logging-in) client, independent of its transport. Invokes run one at a time in
 * arrival order; events the server raises while an invoke runs are held and sent after its reply, so a
 * client always sees e.g. the make-call result before the first event of that call.
 */
export class ClientSession extends EventEmitter<ClientSessionEvents> {
  readonly id = randomUUID().replace(/-/g, '').toUpperCase();
  /** When the client connected (ms since epoch); the admin console shows it. */
  readonly openedAt = Date.now();
  readonly transport: ClientTransport;
  readonly logger: Logger;
  /**
   * Takes AV calls: set by asnNegotiateServerConnectionV2 (iClientCapabilities eSOFTPHONE), true for web
   * sessions, and decided by asnSetClientCapabilitiesV2 (bAudio) once the client declares capabilities.
   */
  softphone = false;
  /** What the client declared with asnSetClientCapabilitiesV2 (undefined: only the negotiate step spoke). */
  capabilities: AsnClientCapabilitiesV2 | undefined;
  #user: UserRow | undefined;
  #state: SessionState = 'connected';
  readonly #table: OperationTable;
  readonly #options: Required<ClientSessionOptions>;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  #running = false;
  #held: RoseWireMessage[] = [];
  #legacy: string | undefined;
  /** Opaque per-feature state (monitors, journal subscription …), keyed by feature. */
  readonly features = new Map<string, unknown>();

  constructor(transport: ClientTransport, table: OperationTable, logger: Logger, options: ClientSessionOptions) {
    super();
    this.transport = transport;
    this.#table = table;
    this.#options = { maxHeldEvents: 10_000, ...options };
    this.logger = logger.child({ sessionId: this.id, transport: transport.kind, remote: transport.remoteAddress });
  }

  get user(): UserRow | undefined {
    return this.#user;
  }

  /** The logged-in user; throws for handlers that run only after login (the dispatcher guarantees it). */
  get requireUser(): UserRow {
    if (!this.#user) throw new CtiRequestError(105, 'not logged in');
    return this.#user;
  }

  /** True while received invokes are still being answered (transports do not count that as idleness). */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /** The V1 name the running invoke was called by (protocol/legacy.ts), undefined for V2 names. */
  get legacyInvoke(): string | undefined {
    return this.#legacy;
  }

  get state(): SessionState {
    return this.#state;
  }

  authenticate(user: UserRow): void {
    this.#user = user;
    this.#state = 'authenticated';
    this.logger.info({ login: user.login }, 'client logged in');
    this.emit('authenticated', user);
  }

  /** One inbound ROSE message (a J-frame payload, bare JSON, or WebSocket text). */
  receive(text: string): void {
    if (this.#state === 'closed') return;
    // estos's V1 names (samples) run as their V2 operation and answer with the V1 result type
    const { input, legacy } = adaptLegacyInvoke(text);
    const action = interpretInbound(input, { isImplemented: this.#isImplemented });
    switch (action.type) {
      case 'reject':
        this.logger.warn({ err: excerpt(action.error.message, ERROR_TEXT_CHARS) }, 'rejected client message');
        this.#write(action.reply);
        return;
      case 'drop':
        this.logger.debug({ reason: action.reason, err: action.error ? excerpt(action.error.message, ERROR_TEXT_CHARS) : undefined }, 'dropped client message');
        return;
      case 'response':
        // We never invoke clients with a result expected; answers to our events are logged only.
        this.logger.debug({ kind: action.message.kind }, 'unsolicited response from client ignored');
        return;
      case 'event':
      case 'invoke':
        break;
    }
    if (action.type === 'invoke' && this.#pending >= this.#options.maxPendingInvokes) {
      this.#write(buildReject({ invokeID: action.invoke.invokeID, sessionID: action.invoke.sessionID }, BUSY));
      return;
    }
    this.#pending += 1;
    this.#queue = this.#queue.then(() => this.#run(action, legacy)).finally(() => {
      this.#pending -= 1;
    });
  }

  async #run(action: Extract<InboundAction, { type: 'invoke' | 'event' }>, legacy: string | undefined): Promise<void> {
    if (this.#state === 'closed') return;
    const publicOp = this.#table.public.has(action.name);
    if (action.type === 'event') {
      if (!publicOp && !this.#user) {
        this.logger.debug({ op: action.name }, 'event before login ignored');
        return;
      }
      const handler = this.#table.events[action.name] as ((a: unknown, s: ClientSession) => void | Promise<void>) | undefined;
      if (!handler) {
        this.logger.debug({ op: action.name }, 'event without handler ignored');
        return;
      }
      try {
        await handler(action.argument, this);
      } catch (err) {
        this.logger.warn({ op: action.name, err }, 'event handler failed');
      }
      return;
    }
    const target = { invokeID: action.invoke.invokeID, sessionID: action.invoke.sessionID };
    if (!publicOp && !this.#user) {
      if (action.replyExpected) this.#write(buildReject(target, NOT_LOGGED_IN));
      return;
    }
    const handler = this.#table.invokes[action.name] as ((a: unknown, s: ClientSession) => unknown) | undefined;
    this.#running = true;
    this.#legacy = legacy;
    let reply: RoseWireMessage;
    try {
      if (!handler) {
        // known to the registry, not implemented here: unrecognisedOperation, never resourceLimitation
        reply = buildReject(target, RejectReasons.functionMissing);
      } else {
        const result = await handler(action.argument, this);
        // The table types each handler by its operation, so its result is that operation's.
        reply = buildResult(target, action.name, result as ResultOf<typeof action.name>);
        if (legacy) reply = legacyResult(legacy, reply);
      }
    } catch (err) {
      reply = buildError(target, this.#asRequestError(action.name, err));
    }
    try {
      if (action.replyExpected) this.#write(reply);
    } finally {
      this.#running = false;
      this.#legacy = undefined;
      this.#flushHeld();
    }
  }

  /**
   * The AsnRequestError of a failed operation. Its text is bounded (ERROR_TEXT_CHARS) whatever the error
   * quotes: the sites quote client strings as excerpts already, and this holds for texts from elsewhere
   * (a media node's or the PBX adapter's reason) too.
   */
  #asRequestError(op: string, err: unknown): { iErrorDetail: number; u8sErrorString: string } {
    if (err instanceof CtiRequestError) {
      const text = excerpt(err.message, ERROR_TEXT_CHARS);
      this.logger.info({ op, detail: err.iErrorDetail, err: text }, 'operation failed');
      return { iErrorDetail: err.iErrorDetail, u8sErrorString: text };
    }
    if (err instanceof UcsError) {
      const text = excerpt(err.message, ERROR_TEXT_CHARS);
      this.logger.warn({ op, code: err.code, err: text }, 'operation failed');
      return { iErrorDetail: 1, u8sErrorString: text };
    }
    this.logger.error({ op, err }, 'operation crashed');
    return { iErrorDetail: 100, u8sErrorString: 'internal error' };
  }

  readonly #isImplemented = (name: string): boolean => Object.hasOwn(this.#table.invokes, name);

  /** Sends a server event (invokeID 99999), after the reply of a running invoke. */
  sendEvent<N extends OutboundEventName>(name: N, argument: ArgumentOf<N>, options: { as?: (wire: RoseInvokeWire) => RoseInvokeWire } = {}): void {
    if (this.#state === 'closed') return;
    let message: RoseWireMessage;
    try {
      message = buildEvent(name, argument);
      // a V1 subscriber gets the V1 event (checked V2 first, then renamed)
      if (options.as) message = options.as(message);
    } catch (err) {
      // an event that does not match its schema is our bug: log it, never send garbage
      this.logger.error({ op: name, err }, 'event failed its schema');
      return;
    }
    if (this.#running) {
      if (this.#held.length >= this.#options.maxHeldEvents) {
        this.close('event backlog overflow');
        return;
      }
      this.#held.push(message);
      return;
    }
    this.#write(message);
  }

  #flushHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const m of held) this.#write(m);
  }

  #write(message: RoseWireMessage): void {
    if (this.#state === 'closed') return;
    this.transport.send(message);
  }

  /** Idempotent; the transport calls it when the connection ends, features clean up on `close`. */
  close(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#held = [];
    this.logger.info({ reason, login: this.#user?.login }, 'client session closed');
    this.transport.close(reason);
    this.emit('close', reason);
  }
}
