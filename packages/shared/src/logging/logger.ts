import { pino, type Logger, type LoggerOptions } from 'pino';

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
 */
export function createLogger(options: LoggerOptionsLite): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', '*.password', 'authPassword', '*.authPassword', 'credential', '*.credential', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
