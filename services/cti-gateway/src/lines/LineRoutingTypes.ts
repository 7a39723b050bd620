// Contract of the LineRouting store: a line's do-not-disturb and forwards, as CTI sets them and the
// incoming-call verdict honours them.
import type { dbSchema } from '@ucserver/shared/db';

/** One forward of a line: unconditional, on busy (busy, DND or the user rejects), on no answer after N s. */
export type LineForward = dbSchema.LineForwardEntry;
export type ForwardMode = LineForward['mode'];

/** What a line's user set; a line without a row has neither. */
export interface LineRoutingState {
  dnd: boolean;
  forwards: LineForward[];
}

export interface LineRoutingEvents {
  /** DND or the forwards of a line changed (after the write). */
  changed: [lineId: string, state: LineRoutingState];
}

/** At most this many forwards per line (one per mode is the rule; the bound keeps rows small). */
export const MAX_FORWARDS_PER_LINE = 3;

/** Lines whose routing LineRouting keeps in memory at most (the least recently read goes first). */
export const ROUTING_CACHE_MAX = 10_000;
