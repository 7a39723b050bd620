import { CallFailedError, CallStateError } from '../errors.ts';

/**
 * The commands of one call, run one at a time in arrival order (an SDP step must see the state the one
 * before it left), at most `maxPending` waiting; once the call closes, a waiting command fails and a running
 * one that fails is reported as ended by the close (with its cause), not as its own error.
 */
export class CommandQueue {
  readonly #callId: string;
  readonly #maxPending: number;
  /** The call's close cause once it closes, else undefined. */
  readonly #closedBy: () => string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;

  constructor(callId: string, maxPending: number, closedBy: () => string | undefined) {
    this.#callId = callId;
    this.#maxPending = maxPending;
    this.#closedBy = closedBy;
  }

  run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closedBy() !== undefined) return Promise.reject(new CallFailedError(`call is closed [callId:${this.#callId}, command:${command}]`));
    if (this.#pending >= this.#maxPending) return Promise.reject(new CallStateError(`too many commands pending on the call [callId:${this.#callId}, command:${command}]`));
    this.#pending += 1;
    const task = this.#queue.then(async () => {
      const before = this.#closedBy();
      if (before !== undefined) throw new CallFailedError(`call closed (${before}) before ${command} ran [callId:${this.#callId}]`);
      try {
        return await fn();
      } catch (err) {
        const during = this.#closedBy();
        if (during !== undefined && !(err instanceof CallFailedError)) {
          throw new CallFailedError(`call closed (${during}) while ${command} ran [callId:${this.#callId}]`, { cause: err });
        }
        throw err;
      }
    });
    this.#queue = task.then(() => undefined, () => undefined).finally(() => {
      this.#pending -= 1;
    });
    return task;
  }
}
