import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  BusClient,
  BusOutageGuard,
  HeartbeatPublisher,
  MEDIA_QUALITY_REPORT_CALLS,
  MediaTopics,
  PbxCommands,
  busConnection,
  createHttpServer,
  instrumentBus,
  type Logger,
  type MediaConfig,
  type Unsubscribe,
} from '@ucserver/shared';
import { MediaEventPublisher } from './bus/MediaEventPublisher.ts';
import { serveMediaCommands } from './bus/mediaCommands.ts';
import { CaptureStore } from './capture/CaptureStore.ts';
import type { CaptureStoreOptions } from './capture/CaptureStoreTypes.ts';
import type { SsrcWatchdogOptions } from './calls/SsrcWatchdogTypes.ts';
import { createMediaMetrics, recordSamples, type MediaMetrics } from './http/metrics.ts';
import { MediaNode } from './node/MediaNode.ts';
import { WorkerPool } from './workers/WorkerPool.ts';

export interface MediaAppDeps {
  config: MediaConfig;
  logger: Logger;
  registry: Registry;
  /** How often call stats are sampled into the metrics. Default MEDIA_STATS_INTERVAL_MS. */
  statsIntervalMs?: number;
  /** The PBX legs' SSRC watchdog (tests tune or disable it); false turns it off. Default: from MEDIA_SSRC_WATCHDOG_MS. */
  ssrcWatchdog?: Partial<SsrcWatchdogOptions> | false;
  /** Overrides of the capture store's options (tests: a short SIP settle time). */
  capture?: Partial<CaptureStoreOptions>;
}

export interface MediaApp {
  readonly http: FastifyInstance;
  readonly node: MediaNode;
  readonly pool: WorkerPool;
  readonly metrics: MediaMetrics;
  /** The bus, once connected. */
  readonly bus: BusClient | undefined;
  /** Starts the workers, connects the bus (retrying; /readyz says so), serves commands, listens on HTTP. */
  start(): Promise<void>;
  /** Drains (new calls refused, running ones get MEDIA_DRAIN_TIMEOUT_MS), then closes everything. */
  stop(): Promise<void>;
  /** One stats sampling round now (the timer runs one every `statsIntervalMs`). */
  sample(): Promise<void>;
}

/** Builds the media node without starting anything: tests `inject()` into `http` right away. */
export function build(deps: MediaAppDeps): MediaApp {
  const { config, logger, registry } = deps;
  const nodeId = config.MEDIA_NODE_ID ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_:@+-]/g, '-').slice(0, 128);
  const announcedAddress = announcedAddressOf(config);
  const pool = new WorkerPool({
    size: config.MEDIA_WORKERS > 0 ? config.MEDIA_WORKERS : availableParallelism(),
    logLevel: config.MEDIA_WORKER_LOG_LEVEL,
    listenIp: config.MEDIA_LISTEN_IP,
    announcedAddress,
    webRtcPort: config.MEDIA_WEBRTC_PORT,
    webRtcSocketBufferBytes: config.MEDIA_WEBRTC_SOCKET_BUFFER_BYTES,
    rtcMinPort: config.MEDIA_RTC_MIN_PORT,
    rtcMaxPort: config.MEDIA_RTC_MAX_PORT,
    logger,
  });
  const log = logger.child({ nodeId });
  let bus: BusClient | undefined;
  const captures = new CaptureStore({
    dir: config.CAPTURE_DIR,
    nodeId,
    logger: log,
    maxSeconds: config.CAPTURE_MAX_SECONDS,
    maxBytes: config.CAPTURE_MAX_BYTES,
    maxConcurrent: config.CAPTURE_MAX_CONCURRENT,
    retentionMs: config.CAPTURE_RETENTION_HOURS * 3_600_000,
    sipMessages: async (callId) => {
      if (!bus) return [];
      const { messages } = await bus.pbx.request(PbxCommands.callSip, { callId });
      return messages.map((m) => ({ timestampUs: BigInt(m.atUs), src: m.src, dst: m.dst, message: Buffer.from(m.data, 'base64') }));
    },
    ...deps.capture,
  });
  const node = new MediaNode({
    captures,
    nodeId,
    pool,
    logger: log,
    addresses: [...new Set([announcedAddress, config.MEDIA_LISTEN_IP].filter((a) => a !== '0.0.0.0' && a !== '::'))],
    ssrcWatchdog: deps.ssrcWatchdog ?? watchdogOf(config),
    conference: { maxParticipants: config.CONFERENCE_MAX_PARTICIPANTS, maxRooms: config.CONFERENCE_MAX_ROOMS },
  });
  const metrics = createMediaMetrics(registry, node);
  const statsIntervalMs = deps.statsIntervalMs ?? config.MEDIA_STATS_INTERVAL_MS;

  let heartbeat: HeartbeatPublisher<typeof MediaTopics.heartbeat> | undefined;
  let events: MediaEventPublisher | undefined;
  let outage: BusOutageGuard | undefined;
  let subscriptions: Unsubscribe[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  const abort = new AbortController();

  const http = createHttpServer({
    service: 'media',
    logger: log,
    registry,
    readiness: {
      nats: () => bus?.connected ?? false,
      workers: () => pool.workers.length > 0,
      accepting: () => started && !node.draining,
    },
  });

  pool.on('workerdied', () => {
    metrics.workerDeaths.inc();
    heartbeat?.publish();
  });
  pool.on('workerreplaced', () => heartbeat?.publish());
  node.on('callpath', (callId, path) => {
    metrics.pathChanges.inc({ path });
    void events?.path(callId, path);
  });
  node.on('callfailed', (callId, cause) => {
    metrics.callsFailed.inc();
    void events?.failed(callId, cause);
  });
  node.on('callclose', (callId, quality, _cause, video) => void events?.closed(callId, quality, video));
  // Core NATS: an answer lost here costs the gateway a softphone.answer request when the call connects.
  node.on('softphoneanswer', (callId, gatewayId, sdp, answered) => {
    try {
      if (bus?.connected) bus.publish(MediaTopics.softphoneAnswer, { gatewayId, callId, sdp, answered });
    } catch (err) {
      log.warn({ callId, err: (err as Error).message }, 'softphone answer not published');
    }
  });
  node.on('draining', () => heartbeat?.publish());

  const sample = async (): Promise<void> => {
    await pool.sampleCpu();
    recordSamples(metrics, await node.sample());
    // The live quality for the admin console; nothing while the node carries no call.
    const calls = node.liveQuality();
    const at = Date.now();
    for (let i = 0; bus && i < calls.length; i += MEDIA_QUALITY_REPORT_CALLS) {
      const more = i + MEDIA_QUALITY_REPORT_CALLS < calls.length;
      bus.publish(MediaTopics.quality, { nodeId, at, calls: calls.slice(i, i + MEDIA_QUALITY_REPORT_CALLS), ...(more ? { more } : {}) });
    }
  };

  return {
    http,
    node,
    pool,
    metrics,
    get bus() {
      return bus;
    },
    sample,
    async start() {
      await pool.start();
      bus = await BusClient.connect({
        ...busConnection(config, 'media'),
        name: `media-${nodeId}`,
        logger: log,
        requestTimeoutMs: config.BUS_REQUEST_TIMEOUT_MS,
      }, abort.signal);
      instrumentBus(bus, registry, 'media');
      await bus.ensureCallStream();
      events = new MediaEventPublisher({ bus, nodeId, logger: log, onFailure: () => metrics.eventPublishFailures.inc() });
      // The node judges nobody by heartbeats; but past BUS_OUTAGE_GRACE_MS without the bus nobody can close
      // its calls any more (the gateway and the pbx-adapter end theirs with cause 'bus-outage'): it closes them.
      outage = new BusOutageGuard({ bus, graceMs: config.BUS_OUTAGE_GRACE_MS, logger: log });
      outage.on('graceexceeded', () => void node.closeAll('bus-outage').catch((err: unknown) => log.warn({ err: (err as Error).message }, 'closing the calls after the bus outage failed')));
      subscriptions = serveMediaCommands(bus, node, metrics, log, config.MEDIA_DRAIN_TIMEOUT_MS);
      // The server must know our command subscriptions before the first heartbeat tells the pbx-adapter
      // to send them here, or its first offer can meet "no responders".
      await bus.flush();
      heartbeat = new HeartbeatPublisher({ bus, topic: MediaTopics.heartbeat, payload: () => node.heartbeat(config.MEDIA_HEARTBEAT_MS), intervalMs: config.MEDIA_HEARTBEAT_MS, logger: log });
      heartbeat.start();
      sampler = setInterval(() => {
        sample().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'stats sampling failed'));
      }, statsIntervalMs);
      sampler.unref();
      const sweep = (): void => void captures.sweep().then((n) => n > 0 && log.info({ removed: n }, 'expired captures deleted'), (err: unknown) => log.warn({ err: (err as Error).message }, 'capture sweep failed'));
      sweep();
      sweeper = setInterval(sweep, 3_600_000);
      sweeper.unref();
      await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      started = true;
      log.info({ http: config.HTTP_PORT, workers: pool.size, addresses: node.addresses }, 'media node started');
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        outage?.close();
        await node.drain(started ? config.MEDIA_DRAIN_TIMEOUT_MS : 0);
        await captures.stopAll();
        clearInterval(sweeper);
        await events?.flush();
        clearInterval(sampler);
        heartbeat?.publish();
        heartbeat?.stop();
        for (const s of subscriptions) s.unsubscribe();
        await bus?.close();
        pool.close();
        await http.close();
        log.info('media node stopped');
      })();
      return stopping;
    },
  };
}

/** MEDIA_ANNOUNCED_ADDRESS, else the listen IP, else (listening on any) this host's first IPv4. */
function announcedAddressOf(config: MediaConfig): string {
  if (config.MEDIA_ANNOUNCED_ADDRESS) return config.MEDIA_ANNOUNCED_ADDRESS;
  if (config.MEDIA_LISTEN_IP !== '0.0.0.0' && config.MEDIA_LISTEN_IP !== '::') return config.MEDIA_LISTEN_IP;
  for (const addresses of Object.values(networkInterfaces())) {
    const v4 = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

/** Starvation counts after 2.5 readings, and never sooner than 500 ms (a jitter buffer's worth of gap). */
function watchdogOf(config: MediaConfig): Partial<SsrcWatchdogOptions> | false {
  const intervalMs = config.MEDIA_SSRC_WATCHDOG_MS;
  return intervalMs === 0 ? false : { intervalMs, starveMs: Math.max(500, Math.round(intervalMs * 2.5)) };
}
