// Records the events of a transaction for assertions.
import type { EventEmitter } from 'node:events';

export interface EventLog {
  /** [event name, first argument] in emission order. */
  all: Array<[string, unknown]>;
  of(name: string): unknown[];
  count(name: string): number;
}

export const recordEvents = (emitter: EventEmitter<never> | object, names = ['response', 'timeout', 'transporterror', 'terminated', 'statechange', 'ack']): EventLog => {
  const all: Array<[string, unknown]> = [];
  const e = emitter as unknown as EventEmitter;
  for (const name of names) e.on(name, (...args: unknown[]) => all.push([name, name === 'statechange' ? `${args[0]}->${args[1]}` : args[0]]));
  return {
    all,
    of: (name) => all.filter(([n]) => n === name).map(([, v]) => v),
    count: (name) => all.filter(([n]) => n === name).length,
  };
};
