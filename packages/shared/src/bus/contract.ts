import { z } from 'zod';

/**
 * A request/reply command on the bus: its verb (the last subject tokens) and the schemas of both sides.
 * The subject itself is built by {@link Subjects}, which adds the prefix and, for node-addressed commands,
 * the node id.
 */
export interface Command<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly verb: string;
  readonly request: Req;
  readonly reply: Res;
}

export function command<Req extends z.ZodType, Res extends z.ZodType>(verb: string, request: Req, reply: Res): Command<Req, Res> {
  return Object.freeze({ verb, request, reply });
}

export type RequestOf<C extends Command> = z.input<C['request']>;
export type ReplyOf<C extends Command> = z.output<C['reply']>;

/** Errors cross the bus as data: the handler's error code and message. */
export const BusErrorBody = z.object({ code: z.string(), message: z.string() });
export type BusErrorBody = z.infer<typeof BusErrorBody>;

/** The envelope of every reply. */
export const ReplyEnvelope = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: BusErrorBody }),
]);
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;

/** For commands whose success carries nothing. */
export const Empty = z.object({}).loose();
export type Empty = z.infer<typeof Empty>;

/** Identifiers travel as bounded tokens: they end up in subjects, logs and SQL. */
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_:@+-]+$/, 'expected an id token (letters, digits, _ : @ + -)');
