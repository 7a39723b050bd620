import { BusClient, createMetricsRegistry, CtiGatewayConfig, loadConfig, type Logger } from '@ucserver/shared';
import { deleteTestStream, natsUrl, testLineCredentialsKey, testLogger, uniquePrefix } from '@ucserver/testkit';
import { build, type GatewayApp } from '../src/app.ts';

/** A gateway on ephemeral ports with its own bus prefix (or a given one) and PGlite unless a DB URL is given. */
export async function startGateway(env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<GatewayApp> {
  const config = loadConfig('cti-gateway', CtiGatewayConfig, {
    NATS_URL: natsUrl,
    BUS_PREFIX: uniquePrefix(),
    PGLITE_DIR: 'memory://',
    HTTP_PORT: '0',
    HTTPS_PORT: '0',
    CTI_TCP_PORT: '0',
    LOGIN_BASE_DELAY_MS: '0',
    LINE_CREDENTIALS_KEY: testLineCredentialsKey,
    ...env,
  });
  const app = await build({ config, logger: options.logger ?? testLogger('cti-gateway'), registry: createMetricsRegistry('cti-gateway') });
  await app.start();
  const stop = app.stop.bind(app);
  // Tests leave no JetStream stream behind on the shared NATS (a restart test reuses the prefix on purpose).
  app.stop = async () => {
    await stop();
    if (!env.KEEP_STREAM && config.NATS_URL === natsUrl) await deleteTestStream(config.BUS_PREFIX).catch(() => undefined);
  };
  return app;
}

/** A second bus client on the gateway's prefix, playing another service. */
export function peerBus(app: GatewayApp): Promise<BusClient> {
  return BusClient.connect({ servers: natsUrl, prefix: app.context.config.BUS_PREFIX, name: 'peer', logger: testLogger('peer') });
}

/** Runs `fn` with a fresh gateway and a peer bus client on its prefix; both are closed afterwards. */
export async function withGateway(fn: (app: GatewayApp, peer: BusClient) => Promise<void>): Promise<void> {
  const app = await startGateway();
  const peer = await peerBus(app);
  try {
    await fn(app, peer);
  } finally {
    await peer.close();
    await app.stop();
  }
}

import { EnetucClient } from '../src/client/EnetucClient.ts';

/** A TCP client logged in as `user` (creating the user, and a line for them, when asked). */
export async function tcpClient(app: GatewayApp, login?: { user: string; password: string }): Promise<EnetucClient> {
  const client = await EnetucClient.connectTcp({ host: '127.0.0.1', port: app.ctiPort });
  if (login) await client.login(login.user, login.password);
  return client;
}
