// Composition root: configuration, logger, metrics registry, the app, signal handling. No logic.
import { createLogger, createMetricsRegistry, CtiGatewayConfig, exitOnStartupError, handleSignals, loadConfig } from '@ucserver/shared';
import { build } from './app.ts';

let config: CtiGatewayConfig;
try {
  config = loadConfig('cti-gateway', CtiGatewayConfig);
} catch (err) {
  exitOnStartupError(err);
}
const logger = createLogger({ service: 'cti-gateway', level: config.LOG_LEVEL });
try {
  const app = await build({ config, logger, registry: createMetricsRegistry('cti-gateway') });
  handleSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  await app.start();
} catch (err) {
  exitOnStartupError(err, logger);
}
