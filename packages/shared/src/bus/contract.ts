import { z } from 'zod';

/**
 * Who serves a command, and so which subject it travels on: `media` commands go to one media node
 * (`<prefix>.media.node.<nodeId>.<verb>`), the others to the service behind the namespace
 * (`<prefix>.<namespace>.<verb>`). Verbs never repeat their namespace: `lines.list` is verb `list` of
 * namespace `lines`.
 */
export type CommandNamespace = 'media' | 'pbx' | 'cti' | 'lines';

/** A request/reply command on the bus: where it goes, its verb and the schemas of both sides. */
export interface Command<N extends CommandNamespace = CommandNamespace, Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly namespace: N;
  readonly verb: string;
  readonly request: Req;
  readonly reply: Res;
}

export function command<N extends CommandNamespace, Req extends z.ZodType, Res extends z.ZodType>(namespace: N, verb: string, request: Req, reply: Res): Command<N, Req, Res> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(verb) || verb.startsWith(`${namespace}.`)) {
    throw new TypeError(`invalid verb '${verb}' for namespace '${namespace}'`);
  }
  return Object.freeze({ namespace, verb, request, reply });
}

export type RequestOf<C extends Command> = z.input<C['request']>;
export type ReplyOf<C extends Command> = z.output<C['reply']>;

/** What a handler of command C receives and returns. */
export type CommandHandler<C extends Command> = (request: z.output<C['request']>) => z.input<C['reply']> | Promise<z.input<C['reply']>>;

/** One handler per command of a command table (e.g. `MediaCommands`): a missing one fails to compile. */
export type CommandHandlers<T extends Record<string, Command>> = { [K in keyof T]: CommandHandler<T[K]> };

/**
 * A fire-and-forget event (or a JetStream one, when its subject lies in a stream): its name (the subject
 * after the prefix) and schema. A keyed topic adds one token taken from the payload itself
 * (`calls.event.<lineId>`), so a publisher cannot file an event under another key.
 */
export interface Topic<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
  readonly key: ((payload: z.output<S>) => string) | undefined;
}

export function topic<S extends z.ZodType>(name: string, schema: S, key?: (payload: z.output<S>) => string): Topic<S> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(name)) throw new TypeError(`invalid topic name '${name}'`);
  return Object.freeze({ name, schema, key });
}

export type PayloadOf<T extends Topic> = z.output<T['schema']>;

/**
 * A JetStream key-value bucket of one bus prefix (`<PREFIX>_<NAME>`): its name and the schema of every
 * value, so a value is validated when it is written and when it is read back (a bad one reads as absent).
 */
export interface KvBucket<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
}

export function kvBucket<S extends z.ZodType>(name: string, schema: S): KvBucket<S> {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new TypeError(`invalid bucket name '${name}'`);
  return Object.freeze({ name, schema });
}

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
