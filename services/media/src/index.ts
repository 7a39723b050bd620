// Composition root: configuration, logger, metrics registry, the app, signal handling. No logic.
import { createLogger, createMetricsRegistry, exitOnStartupError, handleSignals, loadConfig, MediaConfig } from '@ucserver/shared';
import { build } from './app.ts';

let config: MediaConfig;
try {
  config = loadConfig('media', MediaConfig);
} catch (err) {
  exitOnStartupError(err);
}
const logger = createLogger({ service: 'media', level: config.LOG_LEVEL });
try {
  const app = build({ config, logger, registry: createMetricsRegistry('media') });
  // Draining may take MEDIA_DRAIN_TIMEOUT_MS before the usual shutdown steps.
  handleSignals(app, logger, config.MEDIA_DRAIN_TIMEOUT_MS + config.SHUTDOWN_TIMEOUT_MS);
  await app.start();
} catch (err) {
  exitOnStartupError(err, logger);
}
