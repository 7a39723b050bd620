import { InvalidStateError } from '@ucserver/shared';
import type { RoseWireMessage } from '../codec/mod.ts';
import type { ClientTransport } from './ClientTransport.ts';
import type { RestClientTransportOptions } from './RestSessionStoreTypes.ts';

/**
 * The transport of a web-service session used the REST way (`POST /ws/client/<operationName>`, the
 * simple-session sample): each HTTP request waits for the answer to its invoke id; events have no
 * channel here and are dropped (a client that wants them attaches the WebSocket). Bounded: at most
 * `maxWaiting` requests wait at once, each for at most `replyTimeoutMs`.
 */
export class RestClientTransport implements ClientTransport {
  readonly kind = 'rest';
  readonly remoteAddress: string;
  readonly secure: boolean;
  readonly canStartTls = false;
  readonly #waiting = new Map<number, { resolve: (m: RoseWireMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #options: RestClientTransportOptions;
  #closed = false;
  #onClose: (reason: string) => void = () => undefined;

  constructor(options: RestClientTransportOptions) {
    this.#options = options;
    this.remoteAddress = options.remoteAddress;
    this.secure = options.secure;
  }

  bindClose(onClose: (reason: string) => void): void {
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Registers interest in the answer to `invokeID`; call before handing the invoke to the session. */
  expect(invokeID: number): Promise<RoseWireMessage> {
    if (this.#closed) return Promise.reject(new InvalidStateError('session closed'));
    if (this.#waiting.size >= this.#options.maxWaiting) return Promise.reject(new InvalidStateError(`too many requests waiting on this session (${this.#options.maxWaiting})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(invokeID);
        reject(new InvalidStateError(`no answer within ${this.#options.replyTimeoutMs} ms`));
      }, this.#options.replyTimeoutMs);
      this.#waiting.set(invokeID, { resolve, reject, timer });
    });
  }

  send(message: RoseWireMessage): void {
    const id = 'result' in message ? message.result.invokeID
      : 'error' in message ? message.error.invokedID
      : 'reject' in message && 'invokedID' in message.reject.invokedID ? message.reject.invokedID.invokedID
      : undefined;
    const w = id === undefined ? undefined : this.#waiting.get(id);
    if (!w || id === undefined) return; // events: no channel on a REST session
    clearTimeout(w.timer);
    this.#waiting.delete(id);
    w.resolve(message);
  }

  startTls(): void {
    throw new InvalidStateError('asnStartTLS is not available on REST calls');
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new InvalidStateError(`session closed (${reason})`));
    }
    this.#waiting.clear();
    this.#onClose(reason);
  }
}
