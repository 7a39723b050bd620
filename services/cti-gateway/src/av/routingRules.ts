// What a line's routing (DND, forwards) makes of an incoming call. Pure; the verdict table of the unit
// tests. A call that arrives already forwarded `maxHops` times (the INVITE's Diversion entries) is not
// forwarded again: it is offered on the line (or refused on DND) as if no forward were set, so a loop of
// forwards (101 → 102 → 101 …) ends at the hop limit.
import type { LineRoutingState } from '../lines/LineRoutingTypes.ts';

export interface RoutingContext {
  /** How often the call was forwarded before it reached this line. */
  hops: number;
  /** FORWARD_MAX_HOPS. */
  maxHops: number;
  /** FORWARD_NO_ANSWER_DEFAULT_S: a no-answer forward's time when it has none of its own. */
  defaultNoAnswerS: number;
}

export type RoutingOutcome =
  /** Answer 302 now: unconditional forward, or the busy forward of a line on DND. */
  | { kind: 'redirect'; target: string; mode: 'immediate' | 'busy' }
  /** Refuse with 486: DND without a busy forward (or past the hop limit). */
  | { kind: 'refuse'; reason: 'dnd' }
  /** Offer the call; when the user rejects it go to `busyTarget`, when nobody answers in `noAnswer.afterS` to its target. */
  | { kind: 'offer'; busyTarget?: string; noAnswer?: { target: string; afterS: number } };

export function routeIncoming(state: LineRoutingState, ctx: RoutingContext): RoutingOutcome {
  const mayForward = ctx.hops < ctx.maxHops;
  const find = (mode: 'immediate' | 'busy' | 'no-answer') => (mayForward ? state.forwards.find((f) => f.mode === mode) : undefined);
  const immediate = find('immediate');
  if (immediate) return { kind: 'redirect', target: immediate.destination, mode: 'immediate' };
  const busy = find('busy');
  if (state.dnd) return busy ? { kind: 'redirect', target: busy.destination, mode: 'busy' } : { kind: 'refuse', reason: 'dnd' };
  const noAnswer = find('no-answer');
  return {
    kind: 'offer',
    ...(busy ? { busyTarget: busy.destination } : {}),
    ...(noAnswer ? { noAnswer: { target: noAnswer.destination, afterS: noAnswer.noAnswerS > 0 ? noAnswer.noAnswerS : ctx.defaultNoAnswerS } } : {}),
  };
}
