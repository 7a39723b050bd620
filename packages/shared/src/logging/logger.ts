import { pino, type Logger, type LoggerOptions } from 'pino';
import { boundFields, excerpt, LOG_FIELD_BOUNDS } from './excerpt.ts';

export type { Logger };

export interface LoggerOptionsLite {
  service: string;
  level?: string;
  /** Extra fields on every line (e.g. nodeId). */
  base?: Record<string, unknown>;
  /** Destination stream; stdout when absent (tests pass a sink). */
  destination?: NodeJS.WritableStream;
}

/**
 * JSON logs, one line per record. Context ids travel as fields (`callId`, `lineId`, `sessionId`), set
 * with `logger.child({ callId })`, so logs can be filtered per call. Secrets are redacted by key name,
 * wherever they appear, because credentials pass through several payloads (login, lines, SIP auth).
 * Every record is bounded (excerpt.ts): whatever a client sent and a log call quotes, a line stays a few
 * KB, so a client cannot fill the disk through the log.
 */
export function createLogger(options: LoggerOptionsLite): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password', '*.password', 'authPassword', '*.authPassword', 'credential', '*.credential', 'authorization', '*.authorization',
        'headers.authorization', 'req.headers.authorization', 'token', '*.token', '["x-uctoken"]', '*["x-uctoken"]',
      ],
      censor: '[redacted]',
    },
    formatters: { log: (record) => boundFields(record) },
    serializers: { err: boundError },
    hooks: {
      // the message text (and printf-style arguments) are bounded like the fields
      logMethod(args, method) {
        method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? excerpt(a, LOG_FIELD_BOUNDS.maxString) : a)) as Parameters<typeof method>);
      },
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/**
 * pino's error serializer, bounded. Its output for an Error is not a plain object (own prototype): spread
 * so boundFields walks it. Anything else logged as `err` (a message string, a plain object) was bounded
 * with the record already and passes as it is.
 */
function boundError(err: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(err as Error);
  return typeof serialized === 'object' && serialized !== null && serialized !== err ? boundFields({ ...serialized }) : serialized;
}
