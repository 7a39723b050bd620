import type { Logger } from 'pino';

export interface ServiceHandle {
  stop(): Promise<void>;
}

/**
 * Composition roots end with this: on SIGTERM/SIGINT run `stop()` (stop accepting, drain, close NATS
 * and DB) and exit 0, or exit 1 when stopping takes longer than `timeoutMs` or fails. A second signal
 * exits at once.
 */
export function handleSignals(service: ServiceHandle, logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Start-up failures (bad config, unreachable DB) are printed plainly and exit 1. */
export function exitOnStartupError(err: unknown, logger?: Logger): never {
  if (logger) logger.fatal({ err }, 'start-up failed');
  else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
