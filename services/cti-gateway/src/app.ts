import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createSecureContext, type SecureContext } from 'node:tls';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import {
  BusClient,
  busConnection,
  BusOutageGuard,
  createHttpServer,
  GatewayTopics,
  HeartbeatPublisher,
  instrumentBus,
  MediaPlacement,
  parseSealingKey,
  type CtiGatewayConfig,
  type GatewayInstance,
  type Logger,
} from '@ucserver/shared';
import { openDatabase, type Database } from '@ucserver/shared/db';
import { AdminConsole } from './admin/AdminConsole.ts';
import { Authenticator } from './auth/Authenticator.ts';
import { LoginThrottle } from './auth/LoginThrottle.ts';
import { TokenService } from './auth/TokenService.ts';
import { tokenSecret } from './auth/tokenSecret.ts';
import { SoftphoneService } from './av/SoftphoneService.ts';
import { startCallFeed } from './bus/callFeed.ts';
import { serveCtiCommands } from './bus/ctiCommands.ts';
import { startLineService } from './bus/lineService.ts';
import { MediaClient } from './bus/MediaClient.ts';
import { PbxClient } from './bus/PbxClient.ts';
import { BusOutageCalls } from './calls/BusOutageCalls.ts';
import { CallRegistry } from './calls/CallRegistry.ts';
import { OwnedCalls } from './calls/OwnedCalls.ts';
import { startGatewayCluster } from './cluster/gatewayCluster.ts';
import { JournalLeader } from './cluster/JournalLeader.ts';
import { LiveQuality } from './calls/LiveQuality.ts';
import { capabilityOperations } from './capabilities/capabilityOperations.ts';
import { ClientContentService } from './content/ClientContentService.ts';
import { CtiService } from './cti/CtiService.ts';
import { adminApi, type AdminApiOptions } from './http/adminApi.ts';
import { CaptureClient } from './bus/CaptureClient.ts';
import { LineCapturePolicy } from './lines/LineCapturePolicy.ts';
import { clientRest } from './http/clientRest.ts';
import { clientWebSocket } from './http/clientWebSocket.ts';
import { instrumentGateway } from './http/metrics.ts';
import { webPages } from './http/webPages.ts';
import { JournalReconciler } from './journal/JournalReconciler.ts';
import type { JournalReconcileReport } from './journal/JournalReconcilerTypes.ts';
import { JournalService } from './journal/JournalService.ts';
import { JournalStore } from './journal/JournalStore.ts';
import { JournalWriter } from './journal/JournalWriter.ts';
import { LineRouting } from './lines/LineRouting.ts';
import { PickupGroupStore } from './pickup/PickupGroupStore.ts';
import { LineStore } from './lines/LineStore.ts';
import { absentOperations } from './presence/absentOperations.ts';
import { ManualPresenceStore } from './presence/ManualPresenceStore.ts';
import { PresenceService } from './presence/PresenceService.ts';
import { RegistrationStates } from './lines/RegistrationStates.ts';
import type { OperationTable } from './session/ClientSessionTypes.ts';
import { CtiTcpServer } from './session/CtiTcpServer.ts';
import { SessionRegistry } from './session/SessionRegistry.ts';
import { RestSessionStore } from './session/RestSessionStore.ts';
import { publicOperations, sessionOperations } from './session/sessionOperations.ts';
import { WsSessionStore } from './session/WsSessionStore.ts';
import { UserStore } from './users/UserStore.ts';

export interface GatewayDeps {
  config: CtiGatewayConfig;
  logger: Logger;
  registry: Registry;
  /** Bus connection name suffix (tests run several gateways). */
  instanceName?: string;
}

/** Everything the gateway's parts share; built once, started by {@link GatewayApp.start}. */
export interface GatewayContext {
  config: CtiGatewayConfig;
  logger: Logger;
  database: Database;
  users: UserStore;
  lines: LineStore;
  /** DND and forwards per line (asnCtiLineSetDoNotDisturb, asnCtiSetForward), persisted. */
  routing: LineRouting;
  /** Pickup groups (asnCtiPickupCall's authorisation), set by the admin. */
  pickupGroups: PickupGroupStore;
  registrations: RegistrationStates;
  journal: JournalStore;
  calls: CallRegistry;
  /** The running calls' media quality, from the media nodes' reports (admin console). */
  quality: LiveQuality;
  auth: Authenticator;
  sessions: SessionRegistry;
  wsSessions: WsSessionStore;
}

export interface GatewayApp {
  readonly http: FastifyInstance;
  readonly https: FastifyInstance | undefined;
  readonly context: GatewayContext;
  /** The bus, once connected. */
  readonly bus: BusClient | undefined;
  /** The ENetUC TCP port actually bound (after start). */
  readonly ctiPort: number;
  /** This run of the gateway (its heartbeat, the owner of its calls); `startedAt` is set by start(). */
  readonly instance: GatewayInstance;
  /** Server-computed presence, once started. */
  readonly presence: PresenceService | undefined;
  /** The media nodes this gateway places calls on, once started. */
  readonly placement: MediaPlacement | undefined;
  /** The operation handlers sessions dispatch to (complete once start() resolved). */
  readonly operations: OperationTable;
  /** Resolves once the journal was reconciled with the pbx-adapter's live calls (after start). */
  readonly reconciled: Promise<JournalReconcileReport>;
  /** Listens on HTTP(S), connects the bus (retrying; /readyz says so), starts CTI on TCP. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the gateway without listening: the database is opened and migrated (a failure is fatal) and
 * the HTTP apps get every route, so tests can `inject()` right away. Operations that need the bus are
 * bound in `start()`, once it is connected.
 */
export async function build(deps: GatewayDeps): Promise<GatewayApp> {
  const { config, logger, registry } = deps;
  const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, logger });
  const users = new UserStore(database.db);
  const lines = new LineStore(database.db);
  // A renamed or removed owner changes the lines' views (owner login, owner id).
  users.on('userchanged', () => lines.forget());
  const routing = new LineRouting(database.db);
  const pickupGroups = new PickupGroupStore(database.db);
  const registrations = new RegistrationStates();
  const journal = new JournalStore(database.db);
  const manualPresence = new ManualPresenceStore(database.db);
  const calls = new CallRegistry();
  const sessions = new SessionRegistry();
  const wsSessions = new WsSessionStore();
  const throttle = new LoginThrottle({
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockoutMs: config.LOGIN_LOCKOUT_MS,
    baseDelayMs: config.LOGIN_BASE_DELAY_MS,
    userSlowAfter: config.LOGIN_USER_SLOW_AFTER,
    addressSlowAfter: config.LOGIN_ADDRESS_SLOW_AFTER,
    maxWaitMs: config.LOGIN_MAX_WAIT_MS,
  });
  const tokens = new TokenService(await tokenSecret(database.db, config.AUTH_TOKEN_SECRET), config.AUTH_TOKEN_TTL_S);
  const auth = new Authenticator({ users, tokens, throttle, logger, adminToken: config.ADMIN_TOKEN });
  // A password change or a disable has killed the user's tokens already (credential version); their
  // live sessions and not yet attached web sessions go too.
  users.on('credentialsrevoked', (user, reason) => {
    wsSessions.revokeUser(user.id);
    for (const s of sessions.ofUser(user.id)) s.close(reason);
  });
  // Seals the SIP passwords the pbx-adapter gets over the bus (bus/lineService.ts).
  const lineCredentialsKey = parseSealingKey(config.LINE_CREDENTIALS_KEY);
  const quality = new LiveQuality();
  const context: GatewayContext = { config, logger, database, users, lines, routing, pickupGroups, registrations, journal, calls, quality, auth, sessions, wsSessions };

  // Filled in start(); sessions read it per message, so it can be bound late.
  const table: OperationTable = { invokes: {}, events: {}, public: publicOperations };
  const session = sessionOperations({ auth, presenceDomain: config.PRESENCE_DOMAIN });
  Object.assign(table.invokes, session.invokes);
  Object.assign(table.events, session.events);

  let bus: BusClient | undefined;
  let placement: MediaPlacement | undefined;
  let tcp: CtiTcpServer | undefined;
  let presence: PresenceService | undefined;
  let started = false;
  const stops: Array<() => void | Promise<void>> = [];
  const abort = new AbortController();
  const instance: GatewayInstance = {
    instanceId: (config.GATEWAY_INSTANCE_ID ?? `${hostname()}${deps.instanceName ? `-${deps.instanceName}` : ''}`).replace(/[^A-Za-z0-9_:@+-]/g, '-').slice(0, 128),
    startedAt: Date.now(),
  };
  let reconcileDone!: (report: JournalReconcileReport) => void;
  let reconcileFailed!: (err: unknown) => void;
  const reconciled = new Promise<JournalReconcileReport>((resolve, reject) => {
    reconcileDone = resolve;
    reconcileFailed = reject;
  });
  // Stopped before it finished, or never started: nobody waits for it then.
  reconciled.catch(() => undefined);

  const tls: SecureContext | undefined = config.TLS_CERT_FILE && config.TLS_KEY_FILE
    ? createSecureContext({ cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) })
    : undefined;
  const readiness = {
    nats: () => bus?.connected ?? false,
    database: () => database.ping(),
    cti: () => started,
  };
  const mediaNodes = () => placement?.nodes() ?? [];
  const adminConsole = new AdminConsole({ config, logger, database, calls, registrations, routing, quality, instance, version: gatewayVersion });
  let captureClient: CaptureClient | undefined;
  const captures = () => captureClient;
  // An admin's DND/forward change reaches the line's CTI monitors once the CTI service runs (bus up).
  let ctiService: CtiService | undefined;
  const routingChanged = (lineId: string, what: { dnd: boolean; forwards: boolean }): void => {
    ctiService?.routingChanged(lineId, what).catch((err: unknown) => logger.warn({ err }, 'routing notification failed'));
  };
  const capturePolicy = new LineCapturePolicy({ db: database.db, calls, captures, logger });
  // REST calls of single operations (POST /ws/client/<operationName>) on web-service session ids
  const rest = new RestSessionStore({ table, sessions, logger, idleTimeoutMs: config.CTI_IDLE_TIMEOUT_MS, maxPendingInvokes: config.CTI_MAX_PENDING_INVOKES });
  const http = buildHttp(context, table, registry, readiness, { secure: false, mediaNodes, captures, capturePolicy, rest, quality, adminConsole, routingChanged });
  const https = tls
    ? buildHttp(context, table, registry, readiness, { secure: true, mediaNodes, captures, capturePolicy, rest, quality, adminConsole, routingChanged, cert: readFileSync(config.TLS_CERT_FILE!), key: readFileSync(config.TLS_KEY_FILE!) })
    : undefined;
  instrumentGateway(registry, { sessions, calls, auth, database });

  return {
    http,
    https,
    context,
    get bus() {
      return bus;
    },
    get ctiPort() {
      return tcp?.port ?? 0;
    },
    instance,
    reconciled,
    operations: table,
    get presence() {
      return presence;
    },
    get placement() {
      return placement;
    },
    async start() {
      instance.startedAt = Date.now();
      await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      if (https) await https.listen({ host: config.HTTP_HOST, port: config.HTTPS_PORT });
      bus = await BusClient.connect({
        ...busConnection(config, 'cti-gateway'),
        name: `cti-gateway${deps.instanceName ? `-${deps.instanceName}` : ''}`,
        logger,
        requestTimeoutMs: config.BUS_REQUEST_TIMEOUT_MS,
      }, abort.signal);
      instrumentBus(bus, registry, 'cti-gateway');
      // First, so the pbx-adapter knows this run before it owns any call.
      let journalLeader: JournalLeader | undefined;
      const host = hostname();
      const heartbeat = new HeartbeatPublisher({
        bus, topic: GatewayTopics.heartbeat, intervalMs: config.GATEWAY_HEARTBEAT_INTERVAL_MS, logger,
        payload: () => ({ ...instance, at: Date.now(), intervalMs: config.GATEWAY_HEARTBEAT_INTERVAL_MS, host, version: gatewayVersion, clients: sessions.authenticatedCount, journal: journalLeader?.leading ?? false }),
      });
      heartbeat.start();
      stops.push(() => heartbeat.stop());
      // Other gateways sharing the clients: their users' sessions, their changes, who takes an incoming call.
      const cluster = startGatewayCluster({
        bus, self: instance, sessions, users, lines, routing, manual: manualPresence, logger,
        heartbeatIntervalMs: config.GATEWAY_HEARTBEAT_INTERVAL_MS,
        routingChanged: (lineId) => routingChanged(lineId, { dnd: true, forwards: true }),
      });
      stops.push(() => cluster.close());
      stops.push(await startLineService(bus, lines, registrations, logger, lineCredentialsKey));
      stops.push(startCallFeed(bus, calls));
      // A new row's owner from the line cache the call's CTI events fill anyway (no statement of its own).
      const writer = new JournalWriter(database.db, bus, logger, {
        ackWaitMs: config.JOURNAL_ACK_WAIT_MS,
        flushMs: config.JOURNAL_FLUSH_MS,
        ownerOf: async (id) => {
          const line = await lines.getById(id);
          return line ? line.ownerUserId ?? null : undefined;
        },
      });
      await writer.start();
      stops.push(() => writer.stop());
      // With other gateways on the bus, the one with the lowest instance id writes the journal.
      const leader = new JournalLeader({ self: instance, peers: cluster.peers, writer, running: true, ackWaitMs: config.JOURNAL_ACK_WAIT_MS, logger: logger.child({ component: 'journal-leader' }) });
      journalLeader = leader;
      leader.start();
      stops.push(() => leader.close());

      // Our own bus' view: no media node is judged by heartbeats while it is down; past the grace our calls end.
      const outage = new BusOutageGuard({ bus, graceMs: config.BUS_OUTAGE_GRACE_MS, logger });
      stops.push(() => outage.close());
      placement = new MediaPlacement({ bus, logger, outage });
      placement.start();
      stops.push(() => placement?.close());
      const media = new MediaClient({ bus, logger, answerTo: instance.instanceId });
      stops.push(() => media.dispose());
      captureClient = new CaptureClient({ bus, nodes: mediaNodes });
      stops.push(() => {
        captureClient = undefined;
      });
      // The calls this run owns (placed or accepted): with several gateways, only those are its to drop.
      const owned = new OwnedCalls();
      const pbx = new PbxClient({ bus, gateway: instance, owned });
      adminConsole.attach({ bus, pbx, placement });
      stops.push(() => adminConsole.detach());
      const reconcile = (): Promise<JournalReconcileReport> => new JournalReconciler({ pbx, writer, calls, logger }).run(abort.signal);
      const outageCalls = new BusOutageCalls({ outage, calls, pbx, logger, reconcile, owns: (callId) => owned.has(callId) });
      stops.push(() => outageCalls.close());
      const softphones = new SoftphoneService({ media, pbx, lines, calls, sessions, placement, config, routing, logger });
      const cti = new CtiService({ pbx, lines, registrations, calls, sessions, devices: softphones.devices, routing, media, pickupGroups, pickup: softphones.pickup, logger, completion: { waitMs: config.CALL_COMPLETION_WAIT_S * 1000 } });
      ctiService = cti;
      stops.push(() => cti.close());
      const journalOps = new JournalService({ journal, writer, users, sessions, logger });
      presence = new PresenceService({
        users, lines, calls, sessions, routing, manual: manualPresence, logger, peers: cluster.peers,
        maxSubscriptionsPerSession: config.PRESENCE_MAX_SUBSCRIPTIONS,
        coalesceMs: config.PRESENCE_COALESCE_MS,
      });
      stops.push(() => presence?.close());
      stops.push(() => softphones.close());
      const incoming = cluster.router((request) => softphones.incomingCall(request));
      const served = serveCtiCommands(bus, instance, {
        incomingCall: (request) => incoming.route(request),
        renegotiate: (callId) => softphones.renegotiate(callId),
      }, owned);
      stops.push(() => served.forEach((s) => s.unsubscribe()));
      const absent = absentOperations({ presence, manual: manualPresence, sessions });
      const capabilities = capabilityOperations({ sessions, presence, users, peers: cluster.peers, logger });
      stops.push(() => capabilities.close());
      const content = new ClientContentService({ db: database.db, users, lines, sessions, logger });
      for (const part of [cti.operations(), softphones.operations(), journalOps.operations(), presence.operations(), absent, capabilities, content.operations()]) {
        Object.assign(table.invokes, part.invokes);
        Object.assign(table.events, part.events);
      }
      // Once start() resolves the NATS server knows every subscription above, so a peer that sees us up
      // (line lists, incoming calls) never meets "no responders".
      await bus.flush();
      tcp = new CtiTcpServer({
        host: config.CTI_TCP_HOST,
        port: config.CTI_TCP_PORT,
        table,
        sessions,
        logger,
        maxMessageBytes: config.CTI_MAX_FRAME_BYTES,
        idleTimeoutMs: config.CTI_IDLE_TIMEOUT_MS,
        maxQueuedBytes: config.CTI_MAX_QUEUED_BYTES,
        maxPendingInvokes: config.CTI_MAX_PENDING_INVOKES,
        tls,
      });
      await tcp.listen();
      started = true;
      // In the background: the pbx-adapter may start after us (it is retried until it answers).
      reconcile().then(reconcileDone, (err: unknown) => {
        if (!abort.signal.aborted) logger.error({ err }, 'journal reconciliation failed');
        reconcileFailed(err);
      });
      logger.info({ http: config.HTTP_PORT, cti: tcp.port, https: https ? config.HTTPS_PORT : undefined }, 'cti-gateway started');
    },
    async stop() {
      abort.abort();
      started = false;
      // server.close() resolves only once every connection is gone, so close the sessions while it waits
      const tcpClosed = tcp?.close();
      rest.closeAll('server shutdown');
      sessions.closeAll('server shutdown');
      await tcpClosed;
      await http.close();
      await https?.close();
      for (const stop of stops.reverse()) await stop();
      calls.close();
      await bus?.close();
      await database.close();
    },
  };
}

/** The gateway's version, as the admin console's System page shows it. */
const gatewayVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Same directory from src/ (development) and dist/ (build): services/cti-gateway/web/public. */
const webRoot = fileURLToPath(new URL('../web/public', import.meta.url));

function buildHttp(
  ctx: GatewayContext,
  table: OperationTable,
  registry: Registry,
  readiness: Record<string, () => boolean | Promise<boolean>>,
  options: { secure: boolean; mediaNodes: AdminApiOptions['mediaNodes']; captures: AdminApiOptions['captures']; capturePolicy: LineCapturePolicy; rest: RestSessionStore; quality: LiveQuality; adminConsole: AdminConsole; routingChanged: AdminApiOptions['routingChanged']; cert?: Buffer; key?: Buffer },
): FastifyInstance {
  const { config } = ctx;
  const http = createHttpServer({
    service: 'cti-gateway',
    logger: ctx.logger,
    registry,
    readiness,
    ...(options.cert && options.key ? { https: { cert: options.cert, key: options.key } } : {}),
  });
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  http.register(fastifySwagger, {
    openapi: {
      info: { title: 'ucserver admin API', description: 'Users, lines, active calls and the call journal', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } } },
      security: [{ bearer: [] }, { basic: [] }],
    },
    transform: jsonSchemaTransform,
  });
  http.register(adminApi, {
    prefix: '/api/v1',
    auth: ctx.auth,
    users: ctx.users,
    lines: ctx.lines,
    registrations: ctx.registrations,
    journal: ctx.journal,
    calls: ctx.calls,
    mediaNodes: options.mediaNodes,
    quality: options.quality,
    console: options.adminConsole,
    sessions: ctx.sessions,
    routing: ctx.routing,
    routingChanged: options.routingChanged,
    captures: options.captures,
    capturePolicy: options.capturePolicy,
    pickupGroups: ctx.pickupGroups,
  });
  // The web softphone and /docs, with their CSP and hardening headers.
  http.register(webPages, { root: webRoot });
  http.register(clientWebSocket, {
    auth: ctx.auth,
    store: ctx.wsSessions,
    table,
    sessions: ctx.sessions,
    logger: ctx.logger,
    secure: options.secure,
    maxMessageBytes: config.CTI_MAX_FRAME_BYTES,
    idleTimeoutMs: config.CTI_IDLE_TIMEOUT_MS,
    maxQueuedBytes: config.CTI_MAX_QUEUED_BYTES,
    maxPendingInvokes: config.CTI_MAX_PENDING_INVOKES,
  });
  http.register(clientRest, { store: ctx.wsSessions, rest: options.rest, secure: options.secure });
  return http;
}
