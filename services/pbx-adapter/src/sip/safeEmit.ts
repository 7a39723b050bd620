// Emit to user listeners without letting a throwing listener break the emitter's state machine: the
// error is reported on the emitter's `listenererror` event, or as a process warning when nobody listens.
import type { EventEmitter } from 'node:events';
import type { SipException } from './errors.ts';

/**
 * Reports `error` on the emitter's 'error' event when someone listens, else as a process warning: an
 * 'error' event nobody listens to would throw, and a socket failure must not reach the event loop.
 */
export const emitError = (target: EventEmitter, error: SipException): void => {
  if (target.listenerCount('error') > 0) safeEmit(target, 'error', error);
  else process.emitWarning(error, { code: error.code });
};

export const safeEmit = (target: object, event: string, ...args: unknown[]): boolean => {
  const emitter = target as EventEmitter;
  try {
    return emitter.emit(event, ...args);
  } catch (err) {
    if (event !== 'listenererror' && emitter.listenerCount('listenererror') > 0) {
      try {
        emitter.emit('listenererror', err, event);
        return true;
      } catch (inner) {
        process.emitWarning(inner as Error, { code: 'UCS_SIP_LISTENER_ERROR', detail: `listenererror listener threw` });
        return true;
      }
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.emitWarning(e, { code: 'UCS_SIP_LISTENER_ERROR', detail: `listener for '${event}' threw` });
    return true;
  }
};
