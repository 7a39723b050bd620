import { EventEmitter } from 'node:events';

export interface DndLinesEvents {
  /** DND of a line was switched (only on a real change). */
  changed: [lineId: string, on: boolean];
}

/**
 * The lines on "do not disturb" (by line id): a Set that announces changes, so presence follows
 * `asnCtiLineSetDoNotDisturb` without CTI knowing about presence.
 */
export class DndLines extends Set<string> {
  readonly events = new EventEmitter<DndLinesEvents>();

  override add(lineId: string): this {
    const had = this.has(lineId);
    super.add(lineId);
    // Set's constructor calls add() before `events` exists; nothing listens then
    if (!had && this.events) this.events.emit('changed', lineId, true);
    return this;
  }

  override delete(lineId: string): boolean {
    const had = super.delete(lineId);
    if (had) this.events.emit('changed', lineId, false);
    return had;
  }
}
