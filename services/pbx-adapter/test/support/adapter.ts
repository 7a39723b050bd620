// The pbx-adapter under test, in-process: build() with a config from env-style values (SIP and HTTP
// on ephemeral loopback ports), started, stopped by the caller.
import { createMetricsRegistry, loadConfig, PbxAdapterConfig } from '@ucserver/shared';
import { check, testLineCredentialsKey, testLogger } from '@ucserver/testkit';
import { build, type PbxAdapterApp, type PbxAdapterDeps } from '../../src/app.ts';

/** Starts the adapter; with `mediaNodeId`, resolves once its placement has heard that node's heartbeat. */
export async function startAdapter(options: { natsUrl: string; prefix: string; env?: Record<string, string>; deps?: Partial<PbxAdapterDeps>; mediaNodeId?: string }): Promise<PbxAdapterApp> {
  const config = loadConfig('pbx-adapter', PbxAdapterConfig, {
    NATS_URL: options.natsUrl,
    BUS_PREFIX: options.prefix,
    HTTP_PORT: '0',
    SIP_HOST: '127.0.0.1',
    SIP_PORT: '0',
    SIP_TRANSPORTS: 'udp,tcp',
    SIP_REGISTER_RETRY_MIN_MS: '200',
    SIP_REGISTER_RETRY_MAX_MS: '2000',
    SIP_OPTIONS_INTERVAL_S: '0',
    SHUTDOWN_TIMEOUT_MS: '4000',
    LINE_CREDENTIALS_KEY: testLineCredentialsKey,
    ...options.env,
  });
  const app = build({ config, logger: testLogger('pbx-adapter'), registry: createMetricsRegistry('pbx-adapter'), unregisterTimeoutMs: 1000, ...options.deps });
  await app.start();
  const nodeId = options.mediaNodeId;
  if (nodeId) await check(() => app.placement?.node(nodeId), 5000, { name: `the adapter hearing media node ${nodeId}` });
  return app;
}
