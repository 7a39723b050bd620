import { EventEmitter } from 'node:events';
import type { LineRegistrationState } from '@ucserver/shared';

export interface RegistrationStatesEvents {
  changed: [state: LineRegistrationState];
}

/** The latest registration state of every line, as the pbx-adapter reports it. */
export class RegistrationStates extends EventEmitter<RegistrationStatesEvents> {
  readonly #states = new Map<string, LineRegistrationState>();

  get(lineId: string): LineRegistrationState | undefined {
    return this.#states.get(lineId);
  }

  all(): LineRegistrationState[] {
    return [...this.#states.values()];
  }

  /** Applies a report unless an equal or newer one is known; emits `changed` when the status moved. */
  apply(state: LineRegistrationState): void {
    const prev = this.#states.get(state.lineId);
    if (prev && prev.at > state.at) return;
    this.#states.set(state.lineId, state);
    if (!prev || prev.status !== state.status) this.emit('changed', state);
  }

  forget(lineId: string): void {
    this.#states.delete(lineId);
  }
}
