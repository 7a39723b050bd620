import type { LiveKind } from './AdminApi.js';
import type { Line, LiveCall, MediaNode } from './types.js';

/** The latest lists the event stream sent; pages listen for the kinds they show. */
export class LiveStore {
  calls: LiveCall[] = [];
  lines: Line[] = [];
  nodes: MediaNode[] = [];
  /** When `calls` arrived (the duration column counts on from there). */
  callsAt = Date.now();
  readonly #listeners = new Set<(kind: LiveKind) => void>();

  apply(kind: LiveKind, data: unknown): void {
    if (kind === 'calls') {
      this.calls = data as LiveCall[];
      this.callsAt = Date.now();
    } else if (kind === 'lines') {
      this.lines = data as Line[];
    } else {
      this.nodes = data as MediaNode[];
    }
    for (const l of this.#listeners) l(kind);
  }

  listen(listener: (kind: LiveKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
