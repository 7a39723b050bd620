// Builds and starts a real media app (real mediasoup worker, real NATS on a unique prefix) and a test
// bus client that sends it commands and collects its events.
import type { TestContext } from 'node:test';
import { createMetricsRegistry, loadConfig, BusClient, BusRemoteError, MediaCallEvent, MediaCommands, MediaConfig, type Command, CallTopics } from '@ucserver/shared';
import { check, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';
import type { z } from 'zod';
import { build, type MediaApp, type MediaAppDeps } from '../../src/app.ts';
import { reservePortWindow } from './portWindow.ts';

export interface Harness {
  app: MediaApp;
  bus: BusClient;
  nodeId: string;
  events: MediaCallEvent[];
  /** Sends a media command to the node over the bus. */
  request<K extends keyof typeof MediaCommands>(name: K, payload: z.input<(typeof MediaCommands)[K]['request']>): Promise<z.output<(typeof MediaCommands)[K]['reply']>>;
  /** Waits for a media event matching `predicate`. */
  event(predicate: (e: MediaCallEvent) => boolean, name: string, ms?: number): Promise<MediaCallEvent>;
  /** Every router of every worker has no transports left. */
  assertNoTransports(): Promise<void>;
}

/** For assert.rejects: the node refused the command with error code `expected` (carried as BusRemoteError.remoteCode). */
export function remoteCode(expected: string): (err: unknown) => boolean {
  return (err) => err instanceof BusRemoteError && err.remoteCode === expected;
}

/** `env` overrides the media config; `deps` the app's build options (e.g. `ssrcWatchdog`). */
export async function startHarness(t: TestContext, env: Record<string, string> = {}, deps: Pick<MediaAppDeps, 'ssrcWatchdog'> = {}): Promise<Harness> {
  const window = reservePortWindow();
  const prefix = uniquePrefix();
  const nodeId = `node-${prefix}`;
  const config = loadConfig('media', MediaConfig, {
    NATS_URL: natsUrl,
    BUS_PREFIX: prefix,
    HTTP_PORT: '0',
    MEDIA_NODE_ID: nodeId,
    MEDIA_WORKERS: '1',
    MEDIA_WEBRTC_PORT: '0',
    MEDIA_RTC_MIN_PORT: String(window.min),
    MEDIA_RTC_MAX_PORT: String(window.max),
    MEDIA_HEARTBEAT_MS: '200',
    MEDIA_DRAIN_TIMEOUT_MS: '0',
    MEDIA_WORKER_LOG_LEVEL: 'none',
    ...env,
  });
  const app = build({
    config,
    logger: testLogger('media'),
    registry: createMetricsRegistry('media'),
    statsIntervalMs: 60_000,
    ...deps,
  });
  const bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'media-test', logger: testLogger('media-test') });
  const events: MediaCallEvent[] = [];
  const sub = bus.subscribe(CallTopics.media, (e) => {
    events.push(e);
  });
  // Registered before start(), so a start that fails half-way still releases workers and sockets.
  t.after(async () => {
    sub.unsubscribe();
    await app.stop();
    // Leave no stream behind on the shared NATS server.
    await bus.connection.request(`$JS.API.STREAM.DELETE.${bus.subjects.callStream}`, '', { timeout: 2000 }).catch(() => undefined);
    await bus.close();
    window.release();
  });
  await bus.flush();
  await app.start();
  return {
    app,
    bus,
    nodeId,
    events,
    request: (name, payload) => {
      const cmd: Command<'media'> = MediaCommands[name];
      return bus.media(nodeId).request(cmd, payload as never, { timeoutMs: 10_000 }) as never;
    },
    event: (predicate, name, ms = 5000) => check(() => events.find(predicate), ms, { name }),
    async assertNoTransports() {
      for (const call of app.node.calls.values()) throw new Error(`call ${call.id} still open`);
      for (const w of app.pool.workers) {
        const dump = await w.worker.dump();
        if (dump.routerIds.length > 0) throw new Error(`worker ${w.index} still has routers ${dump.routerIds.join(',')}`);
      }
    },
  };
}
