// An admin's edit of a line's DND and forwards (PUT /lines/{n}/routing): the same rules as the CTI
// operations a line's user has (asnCtiLineSetDoNotDisturb, asnCtiSetForward), checked before anything is
// written, so a bad forward leaves the line as it was.
import type { z } from 'zod';
import { dialTarget } from '../cti/ctiMapping.ts';
import { ValidationError } from '../errors.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineForward } from '../lines/LineRoutingTypes.ts';
import type { LineView } from '../lines/LineStore.ts';
import type { LineRoutingPut } from './adminSchemas.ts';

/** Default ring time before a no-answer forward (s), as the web softphone offers it. */
const DEFAULT_NO_ANSWER_S = 20;

export function routingForwards(line: Pick<LineView, 'number'>, requested: z.infer<typeof LineRoutingPut>['forwards'] & object): LineForward[] {
  const seen = new Set<string>();
  return requested.map((f) => {
    if (seen.has(f.mode)) throw new ValidationError(`at most one '${f.mode}' forward per line`);
    seen.add(f.mode);
    const destination = dialTarget(f.destination);
    if (!destination) throw new ValidationError(`cannot forward to '${f.destination.slice(0, 64)}': a number or a tel:/sip: URI with a user part`);
    if (destination === line.number) throw new ValidationError(`line ${line.number} cannot forward to itself`);
    return { mode: f.mode, destination, noAnswerS: f.mode === 'no-answer' ? (f.noAnswerS ?? DEFAULT_NO_ANSWER_S) : 0 };
  });
}

export async function applyRouting(routing: LineRouting, line: Pick<LineView, 'id' | 'number'>, body: z.infer<typeof LineRoutingPut>): Promise<void> {
  const forwards = body.forwards === undefined ? undefined : routingForwards(line, body.forwards);
  if (body.dnd !== undefined) await routing.setDnd(line.id, body.dnd);
  if (forwards !== undefined) await routing.replaceForwards(line.id, forwards);
}
