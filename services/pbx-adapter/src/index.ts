// Composition root: configuration, logger, metrics registry, the app, signal handling. No logic.
import { createLogger, createMetricsRegistry, exitOnStartupError, handleSignals, loadConfig, PbxAdapterConfig } from '@ucserver/shared';
import { build } from './app.ts';

let config: PbxAdapterConfig;
try {
  config = loadConfig('pbx-adapter', PbxAdapterConfig);
} catch (err) {
  exitOnStartupError(err);
}
const logger = createLogger({ service: 'pbx-adapter', level: config.LOG_LEVEL });
try {
  const app = build({ config, logger, registry: createMetricsRegistry('pbx-adapter') });
  handleSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  await app.start();
} catch (err) {
  exitOnStartupError(err, logger);
}
