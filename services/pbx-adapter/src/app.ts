// The pbx-adapter, built but not started: tests `inject()` into `http` at once and start() only what
// they need. start(): NATS (retrying; /readyz says so), the CALLS stream and the call snapshots' bucket,
// the SIP listeners, media placement, the gateways' liveness, then the active lease (ha/ActiveLease.ts).
// Only while it holds the lease is the instance active: the lines from the gateway (registering each
// enabled line), the call and registration commands, and (in the background) the recovery of the calls an
// earlier holder left. A standby does none of it until it takes the lease; an active that loses it is
// fenced: registrations halted (no more REGISTER), commands unsubscribed (ha/ActiveDuties.ts).
// stop(): calls ended, lines un-registered (Expires 0), lease released, events and snapshots flushed.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  BusClient,
  busConnection,
  BusOutageGuard,
  parsePeerList,
  CallTopics,
  createHttpServer,
  instrumentBus,
  MediaPlacement,
  parseSealingKey,
  PbxBuckets,
  type Logger,
  type PbxAdapterConfig,
  type Unsubscribe,
} from '@ucserver/shared';
import { ActiveDuties } from './ha/ActiveDuties.ts';
import { ActiveLease } from './ha/ActiveLease.ts';
import type { LeaseRole } from './ha/ActiveLeaseTypes.ts';
import { leaseIdentity } from './ha/leaseIdentity.ts';
import { startAdapterHeartbeat } from './ha/adapterHeartbeat.ts';
import { gatewayAsker, softphoneRenegotiator, subscribeGatewayHeartbeats, subscribeMediaEvents } from './bus/gatewayBus.ts';
import { LineSync } from './bus/LineSync.ts';
import { CallEventPublisher } from './calls/CallEventPublisher.ts';
import { CallRecovery } from './calls/CallRecovery.ts';
import type { CallRecoveryReport } from './calls/CallRecoveryTypes.ts';
import { CallRegistry } from './calls/CallRegistry.ts';
import { CallSnapshots } from './calls/CallSnapshots.ts';
import { GatewayLiveness } from './calls/GatewayLiveness.ts';
import { SipEndpoint } from './userAgent/SipEndpoint.ts';
import type { LineTransport } from './userAgent/SipEndpointTypes.ts';
import { PbxAdapterMetrics } from './http/metrics.ts';
import { MediaClient } from './media/MediaClient.ts';
import { Registrations } from './registration/Registrations.ts';
import { timerValues, type TimerConfig } from './sip/mod.ts';
import { screenRates } from './trust/screen.ts';
import { SourceScreen } from './trust/SourceScreen.ts';
import { resolveHosts } from './trust/resolveHosts.ts';

export interface PbxAdapterDeps {
  config: PbxAdapterConfig;
  logger: Logger;
  registry: Registry;
  /** Overrides of the SIP base timers T1/T2/T4 (tests shorten Timer B/F). Default RFC 3261. */
  sipTimers?: Partial<TimerConfig> | undefined;
  /** Bound of the un-registrations at stop (ms); default min(SHUTDOWN_TIMEOUT_MS / 2, 3000). */
  unregisterTimeoutMs?: number | undefined;
  /** Interval of the periodic full line resync (ms); default 5 min. */
  lineResyncIntervalMs?: number | undefined;
  /** REGISTER exchanges in flight at most; default 64. */
  registerConcurrency?: number | undefined;
  /** Calls carried at most; default 5000. */
  maxCalls?: number | undefined;
  /** Heartbeat interval assumed for a gateway never heard from (ms); default 2000. */
  gatewayIntervalMs?: number | undefined;
}

export interface PbxAdapterApp {
  readonly http: FastifyInstance;
  readonly metrics: PbxAdapterMetrics;
  /** Available once started. */
  readonly bus: BusClient | undefined;
  readonly endpoint: SipEndpoint | undefined;
  readonly registrations: Registrations | undefined;
  readonly calls: CallRegistry | undefined;
  /** Media placement (the nodes heard from), once started. */
  readonly placement: MediaPlacement | undefined;
  /** Resolves once the first line list from the gateway was applied. */
  readonly linesSynced: Promise<void>;
  /** Resolves with what the recovery of an earlier run's calls did (started by start()). */
  readonly recovered: Promise<CallRecoveryReport>;
  /** The gateways' liveness, once started. */
  readonly liveness: GatewayLiveness | undefined;
  /** The active lease, once started: role (active, standby, fenced) and holder. */
  readonly lease: ActiveLease | undefined;
  /** The bound SIP address of a transport (after start). */
  sipAddress(transport?: LineTransport): { host: string; port: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the adapter without starting anything. */
/** This service's version (its package.json), which the gateway's System page shows. */
const adapterVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function build(deps: PbxAdapterDeps): PbxAdapterApp {
  const startedAt = Date.now();
  const { config, logger, registry } = deps;
  const log = logger.child({ service: 'pbx-adapter' });
  const metrics = new PbxAdapterMetrics(registry);
  const transports = [...new Set(config.SIP_TRANSPORTS.split(',').map((t) => t.trim()).filter(Boolean))] as LineTransport[];
  const timers = timerValues(deps.sipTimers);
  const abort = new AbortController();
  // Opens the SIP passwords the gateway seals into every line (bus/LineSync.ts).
  const credentialsKey = parseSealingKey(config.LINE_CREDENTIALS_KEY);

  let bus: BusClient | undefined;
  let endpoint: SipEndpoint | undefined;
  let registrations: Registrations | undefined;
  let calls: CallRegistry | undefined;
  let publisher: CallEventPublisher | undefined;
  let placement: MediaPlacement | undefined;
  let lineSync: LineSync | undefined;
  let snapshots: CallSnapshots | undefined;
  let liveness: GatewayLiveness | undefined;
  let outage: BusOutageGuard | undefined;
  let subscriptions: Unsubscribe[] = [];
  /** What only the lease holder does (commands answered once, lines registered). */
  let duties: ActiveDuties | undefined;
  let lease: ActiveLease | undefined;
  let stopHeartbeat: (() => void) | undefined;
  let reresolve: NodeJS.Timeout | undefined;
  let recoveryDone!: (report: CallRecoveryReport) => void;
  let recoveryFailed!: (err: unknown) => void;
  const recovered = new Promise<CallRecoveryReport>((resolve, reject) => {
    recoveryDone = resolve;
    recoveryFailed = reject;
  });
  // A test that never starts the adapter must not see an unhandled rejection.
  recovered.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  let linesSynced!: () => void;
  const synced = new Promise<void>((resolve) => (linesSynced = resolve));

  const http = createHttpServer({
    service: 'pbx-adapter',
    logger: log,
    registry,
    readiness: {
      nats: () => bus?.connected ?? false,
      sip: () => endpoint?.listening ?? false,
      // A standby is ready (to take over); a fenced instance is not (it waits for its restart).
      lease: () => lease !== undefined && lease.role !== 'fenced',
    },
  });
  // Which instance is active, for operators and load balancers (the standby answers too).
  http.get('/lease', async () => ({
    role: lease?.role ?? 'starting',
    holder: lease?.holder ? { holder: lease.holder.holder, host: lease.holder.host, sip: lease.holder.sip, renewedAt: lease.holder.renewedAt } : null,
    remainingMs: Math.round(lease?.remainingMs ?? 0),
  }));
  metrics.leaseRoleSource = () => lease?.role;

  return {
    http,
    metrics,
    get bus() {
      return bus;
    },
    get endpoint() {
      return endpoint;
    },
    get registrations() {
      return registrations;
    },
    get calls() {
      return calls;
    },
    get placement() {
      return placement;
    },
    linesSynced: synced,
    recovered,
    get liveness() {
      return liveness;
    },
    get lease() {
      return lease;
    },
    sipAddress(transport = transports[0] ?? 'udp') {
      if (!endpoint) throw new TypeError('the adapter is not started');
      return endpoint.local(transport);
    },
    async start() {
      bus = await BusClient.connect(
        {
          ...busConnection(config, 'pbx-adapter'),
          name: `pbx-adapter-${process.pid}`,
          logger: log,
          requestTimeoutMs: config.BUS_REQUEST_TIMEOUT_MS,
        },
        abort.signal,
      );
      instrumentBus(bus, registry, 'pbx-adapter');
      await bus.ensureCallStream();
      // One entry per call carried (a snapshot is 1-2 KiB; 16 KiB each leaves room for long route sets).
      const kv = await bus.kv(PbxBuckets.calls, { ttlMs: config.PBX_CALL_SNAPSHOT_TTL_S * 1000, maxBytes: (deps.maxCalls ?? 5000) * 16 * 1024, maxValueBytes: 32 * 1024 });
      // One small entry; a write must fail well within a renewal interval (a third of the lease).
      const leaseKv = await bus.kv(PbxBuckets.lease, { ttlMs: config.PBX_LEASE_MS, maxBytes: 1 << 20, maxValueBytes: 4096, timeoutMs: Math.max(300, Math.min(2000, Math.floor(config.PBX_LEASE_MS / 5))) });
      // The trust screen: the lines' registrars (below, once known) and SIP_TRUSTED_PEERS, with per-source rates.
      const screen = new SourceScreen({
        peers: parsePeerList(config.SIP_TRUSTED_PEERS),
        rates: screenRates(config.SIP_RATE_TRUSTED_PER_S, config.SIP_RATE_UNTRUSTED_PER_S),
        maxSources: config.SIP_RATE_TABLE_SIZE,
      });
      screen.on('screened', (reason) => metrics.sipScreened.inc({ reason }));
      endpoint = await SipEndpoint.create({
        screen,
        host: config.SIP_HOST,
        port: config.SIP_PORT,
        publicHost: config.SIP_PUBLIC_HOST,
        transports,
        tlsPort: config.SIP_TLS_PORT,
        tls: transports.includes('tls') ? readTls(config) : undefined,
        userAgent: config.SIP_USER_AGENT,
        timers: deps.sipTimers,
        tcpIdleTimeoutMs: Math.max(180_000, 2 * config.SIP_REGISTER_EXPIRES_S * 1000, 3 * config.SIP_OPTIONS_INTERVAL_S * 1000),
        logger: log,
        metrics,
      });
      registrations = new Registrations({
        endpoint,
        expiresS: config.SIP_REGISTER_EXPIRES_S,
        retryMinMs: config.SIP_REGISTER_RETRY_MIN_MS,
        retryMaxMs: config.SIP_REGISTER_RETRY_MAX_MS,
        optionsIntervalS: config.SIP_OPTIONS_INTERVAL_S,
        concurrency: deps.registerConcurrency,
        unregisterTimeoutMs: Math.min(2000, config.SHUTDOWN_TIMEOUT_MS / 2),
        logger: log,
        metrics,
      });
      const regs = registrations;
      metrics.registrationSource = () => regs.statuses();
      // Registrar names resolve to the addresses their requests come from; the latest lookup wins. The
      // names are looked up again every minute (a PBX that moved), IP literals cost nothing.
      let lookups = 0;
      const knownAddresses = new Map<string, string[]>();
      const trustRegistrars = (hosts: string[]): void => {
        const n = ++lookups;
        void resolveHosts(hosts, log, knownAddresses).then((addresses) => {
          if (n === lookups) screen.setPbxHosts(addresses);
        });
      };
      regs.on('registrars', trustRegistrars);
      reresolve = setInterval(() => trustRegistrars(regs.registrarHosts()), 60_000);
      reresolve.unref();
      snapshots = new CallSnapshots({ store: kv, logger: log, metrics });
      // An event keeps being retried through a bus outage: the 'disconnected' of a call ended by a long
      // one (created at BUS_OUTAGE_GRACE_MS) is stored if the bus returns within twice the grace after that.
      publisher = new CallEventPublisher({ bus, logger: log, metrics, hooks: snapshots, deadlineMs: Math.max(30_000, 3 * config.BUS_OUTAGE_GRACE_MS) });
      // Our own bus' view: nobody is judged by heartbeats while it is down; past the grace our calls end.
      outage = new BusOutageGuard({ bus, graceMs: config.BUS_OUTAGE_GRACE_MS, logger: log });
      placement = new MediaPlacement({ bus, logger: log, outage });
      placement.start();
      const media = new MediaClient({ bus, logger: log, metrics });
      const place = placement;
      calls = new CallRegistry({
        endpoint,
        registrations,
        media,
        publisher,
        placement: { pick: (o) => place.pickSoon(o) },
        askGateway: gatewayAsker(bus),
        renegotiateSoftphone: softphoneRenegotiator(bus),
        settings: {
          sessionExpiresS: config.SIP_SESSION_EXPIRES_S,
          inviteTimeoutS: config.SIP_INVITE_TIMEOUT_S,
          noClientStatus: config.SIP_NO_CLIENT_STATUS,
          cancelTimeoutMs: timers.B,
          mediaMark: config.SIP_MEDIA_MARK,
        },
        logger: log,
        metrics,
        maxCalls: deps.maxCalls,
        snapshots,
        // A standby's INVITE: 503 "not serving now" (the PBX may try another contact), not 404.
        serving: () => lease?.role === 'active',
        notServingRetryAfterS: Math.max(1, Math.ceil(config.PBX_LEASE_MS / 1000)),
      });
      const carried = calls;
      liveness = new GatewayLiveness({ graceMs: config.GATEWAY_LOSS_GRACE_MS, owners: () => carried.owners(), bus, logger: log, defaultIntervalMs: deps.gatewayIntervalMs });
      liveness.on('lost', (run) => carried.abandonOwnedBy(run, 'gateway-lost'));
      // SIP needs no bus: the PBX gets its BYEs at once, the events are stored once the bus is back.
      outage.on('graceexceeded', () => carried.abandonAll('bus-outage'));
      placement.on('nodedown', (nodeId, reason) => carried.mediaNodeDown(nodeId, reason));
      subscriptions = [subscribeMediaEvents(bus, calls), subscribeGatewayHeartbeats(bus, liveness)];
      liveness.start();
      const lines = regs;
      const connectedBus = bus;
      const sip = endpoint;
      const recoveryRun = (): CallRecovery => new CallRecovery({
        store: kv,
        endpoint: sip,
        // A call this run carried (or ended itself: after a NATS outage its end is still on its way) is not an
        // earlier holder's: a recovery after a re-taken lease must not end it a second time.
        carried: (callId) => carried.carriedHere(callId),
        // A challenged BYE needs the line's credentials: the line list arrives from the gateway soon after start.
        line: async (lineId) => {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([synced, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
          clearTimeout(timer);
          return lines.line(lineId);
        },
        media,
        publish: (event) => connectedBus.publishDurable(CallTopics.event, event, 5000),
        logger: log,
        metrics,
        t1Ms: timers.T1,
      });
      let recoveries = 0;
      duties = new ActiveDuties({
        bus,
        registrations,
        calls,
        trace: endpoint.trace,
        logger: log,
        service: { version: adapterVersion, startedAt },
        lineSync: () => {
          lineSync = new LineSync({ bus: connectedBus, registrations: lines, credentialsKey, logger: log, resyncIntervalMs: deps.lineResyncIntervalMs });
          void lineSync.synced.then(() => linesSynced());
          return lineSync;
        },
        // In the background: readiness does not wait for it, new calls go on meanwhile (their snapshots
        // are skipped). It ends the calls an earlier holder left (crashed, or fenced and since yielded).
        recovery: () => {
          const first = recoveries++ === 0;
          recoveryRun().run().then((report) => first && recoveryDone(report), (err: unknown) => {
            log.error({ err }, 'recovery of the earlier run\'s calls failed');
            if (first) recoveryFailed(err);
          });
        },
      });
      const active = duties;
      const firstTransport = transports[0] ?? 'udp';
      const identity = leaseIdentity(firstTransport, sip.local(firstTransport), sip.sentBy(firstTransport));
      lease = new ActiveLease({ store: leaseKv, identity, leaseMs: config.PBX_LEASE_MS, logger: log });
      stopHeartbeat = startAdapterHeartbeat({ bus, lease, identity, version: adapterVersion, startedAt, leaseMs: config.PBX_LEASE_MS, logger: log });
      lease.on('role', (role: LeaseRole) => {
        metrics.leaseTransitions.inc({ role });
        active.role(role);
      });
      await bus.flush();
      await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      // The first attempt: a lone instance is active when start() resolves.
      const role = await lease.start();
      log.info({ role, holder: lease.holder?.holder, sip: transports.map((t) => `${t}:${sip.local(t).host}:${sip.local(t).port}`), http: config.HTTP_PORT }, 'pbx-adapter started');
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        duties?.freeze();
        clearInterval(reresolve);
        lineSync?.stop();
        liveness?.close();
        outage?.close();
        await http.close();
        await calls?.close(Math.min(2000, config.SHUTDOWN_TIMEOUT_MS / 4));
        // A standby holds no binding, a fenced one must not send any: both skip the un-registration.
        if (lease?.role === 'active') await registrations?.stop(deps.unregisterTimeoutMs ?? Math.min(3000, config.SHUTDOWN_TIMEOUT_MS / 2));
        else {
          registrations?.halt();
          await registrations?.stop(0);
        }
        // Released once our bindings are gone: the standby registers at its next read of the lease.
        await lease?.stop();
        stopHeartbeat?.();
        await publisher?.flush();
        await snapshots?.flush();
        duties?.stop();
        for (const s of subscriptions) s.unsubscribe();
        placement?.close();
        await endpoint?.close();
        await bus?.close();
        log.info('pbx-adapter stopped');
      })();
      return stopping;
    },
  };
}

function readTls(config: PbxAdapterConfig): { key: Buffer; cert: Buffer; ca?: Buffer } {
  if (!config.SIP_TLS_CERT_FILE || !config.SIP_TLS_KEY_FILE) {
    throw new TypeError('SIP_TRANSPORTS lists tls: SIP_TLS_CERT_FILE and SIP_TLS_KEY_FILE are required');
  }
  return {
    cert: readFileSync(config.SIP_TLS_CERT_FILE),
    key: readFileSync(config.SIP_TLS_KEY_FILE),
    // PBXs on a LAN mostly carry certificates of a private CA; the PBX is still verified, against that CA.
    ...(config.SIP_TLS_CA_FILE ? { ca: readFileSync(config.SIP_TLS_CA_FILE) } : {}),
  };
}
