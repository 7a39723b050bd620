// How a batch of the journal's stream events is written: which events of one call fold into one row
// write (journalUnits), and what the folded write sets (foldCallUnit). Pure, so the rules that keep a
// folded write equal to the events applied one by one are tested apart from the database.
import type { CallEvent, MediaCallEvent, MediaPath } from '@ucserver/shared';

export type JournalInput = CallEvent | MediaCallEvent;

interface Group {
  unit: number[];
  /** Media events that came before the group's first event: applied after its call events. */
  tail: number[];
  seq: number;
  /** Call events may still join (no 'disconnected' yet); media events join until the batch ends. */
  callsOpen: boolean;
}

/**
 * The batch's events in write units (indexes into `inputs`, in the order to apply them), units in the
 * order of their first event. Call events of one call (not picked up) with rising `seq` fold into one
 * unit up to its 'disconnected'; the call's media events fold into it too, in arrival order (also after
 * the 'disconnected': the node's 'closed' follows it). A media event that came before its call's first
 * event (the node reports as it builds the leg) would find no row and wait for a redelivery after it: it
 * joins the unit that inserts the row (first event `seq` 1), after its call events — where the retry
 * would have applied it. One that came before a later event of a call whose row exists (the node's
 * 'closed' often comes before the pbx-adapter's 'disconnected') joins that unit at its front, in arrival
 * order: one update instead of two. Pickup events and media events without such a unit stay alone. Units of
 * different calls touch different rows (a call's rows are `<callId>` and `<callId>~<number>`), so their
 * order does not matter.
 */
export function journalUnits(inputs: readonly JournalInput[]): number[][] {
  const units: Array<{ head?: number[]; indexes: number[]; tail?: number[]; dropped?: boolean }> = [];
  const open = new Map<string, Group>();
  const early = new Map<string, Array<{ indexes: number[]; dropped?: boolean }>>();
  inputs.forEach((input, i) => {
    const group = open.get(input.callId);
    if ('type' in input) {
      if (group) {
        group.unit.push(i);
        return;
      }
      const alone = { indexes: [i] };
      units.push(alone);
      early.set(input.callId, [...(early.get(input.callId) ?? []), alone]);
      return;
    }
    if (input.pickup) {
      units.push({ indexes: [i] });
      open.delete(input.callId);
      early.delete(input.callId);
      return;
    }
    if (group?.callsOpen && input.seq > group.seq) {
      group.unit.push(i);
      group.seq = input.seq;
    } else {
      const next: Group = { unit: [i], tail: [], seq: input.seq, callsOpen: true };
      const head: number[] = [];
      units.push({ head, indexes: next.unit, tail: next.tail });
      open.set(input.callId, next);
      for (const alone of early.get(input.callId) ?? []) {
        (input.seq === 1 ? next.tail : head).push(...alone.indexes);
        alone.dropped = true;
      }
      early.delete(input.callId);
    }
    if (input.state === 'disconnected') open.get(input.callId)!.callsOpen = false;
  });
  return units.filter((u) => !u.dropped).map((u) => [...(u.head ?? []), ...u.indexes, ...(u.tail ?? [])]);
}

/** What a unit (call events of one call with rising `seq`, at most one 'disconnected', and its media events) sets on its row. */
export interface FoldedCall {
  first: CallEvent;
  last: CallEvent;
  /** The last non-empty one (each event sets it only when it has one). */
  remoteName: string | undefined;
  /** The last one named, by a call or a media event. */
  mediaNode: string | undefined;
  /** The first one a call event named (it only fills a row that has no path). */
  callPath: MediaPath | undefined;
  /** The newest media path report (the latest of equal times): it wins over an older stored one. */
  nodePath: { path: MediaPath; at: number } | undefined;
  /** The first 'connected' (an answer time is kept once set). */
  answeredAt: number | undefined;
  ended: { at: number; cause: NonNullable<CallEvent['cause']>; sipStatus: number | undefined } | undefined;
  /** The last 'closed' report's quality; its RTT is the last one reported. */
  quality: { lossPercent: number; jitterMs: number; rttMs: number | undefined } | undefined;
  /** A 'closed' report said the call carried video (never cleared). */
  video: boolean;
}

/** Folds a unit that holds call events (journalUnits; media events may come first), in its order. */
export function foldCallUnit(unit: readonly JournalInput[]): FoldedCall {
  const calls = unit.filter((e): e is CallEvent => !('type' in e));
  const folded: FoldedCall = {
    first: calls[0]!, last: calls.at(-1)!, remoteName: undefined, mediaNode: undefined, callPath: undefined, nodePath: undefined,
    answeredAt: undefined, ended: undefined, quality: undefined, video: false,
  };
  for (const e of unit) {
    if ('type' in e) {
      folded.mediaNode = e.nodeId;
      if (e.type === 'path' && (!folded.nodePath || e.at >= folded.nodePath.at)) folded.nodePath = { path: e.path, at: e.at };
      if (e.type === 'closed') {
        folded.quality = { lossPercent: e.quality.lossPercent, jitterMs: e.quality.jitterMs, rttMs: e.quality.rttMs ?? folded.quality?.rttMs };
        if (e.video) folded.video = true;
      }
      continue;
    }
    if (e.remoteName) folded.remoteName = e.remoteName;
    if (e.mediaNodeId) folded.mediaNode = e.mediaNodeId;
    if (e.mediaPath && !folded.callPath) folded.callPath = e.mediaPath;
    if (e.state === 'connected' && folded.answeredAt === undefined) folded.answeredAt = e.at;
    if (e.state === 'disconnected') folded.ended = { at: e.at, cause: e.cause ?? 'normal', sipStatus: e.sipStatus };
  }
  return folded;
}
