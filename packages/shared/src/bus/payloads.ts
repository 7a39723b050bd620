// The JSON wire form of bus payloads, shared by the client's events and its commands: one summary of a
// schema failure (what logs and errors show), and the checked encoding of an outgoing payload.
import type { z } from 'zod';
import { BusPayloadError } from '../errors.ts';

const encoder = new TextEncoder();

/** The first few issues of a schema failure, one line: enough to find the field without flooding the log. */
export function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validates an outgoing payload against its schema (a bad one is our bug) and encodes it as JSON. */
export function encodePayload<S extends z.ZodType>(subject: string, schema: S, payload: unknown): Uint8Array {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new BusPayloadError(subject, `outgoing: ${summarize(parsed.error)}`);
  return encodeJson(parsed.data);
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}
