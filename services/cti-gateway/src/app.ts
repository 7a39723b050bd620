import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import {
  BusClient,
  CallEvent,
  createHttpServer,
  instrumentBus,
  MediaCallEvent,
  openDatabase,
  type CtiGatewayConfig,
  type Database,
  type Logger,
  type Unsubscribe,
} from '@ucserver/shared';
import { Authenticator } from './auth/Authenticator.ts';
import { LoginThrottle } from './auth/LoginThrottle.ts';
import { TokenService } from './auth/TokenService.ts';
import { startLineService } from './bus/lineService.ts';
import { CallRegistry } from './calls/CallRegistry.ts';
import { adminApi } from './http/adminApi.ts';
import { JournalStore } from './journal/JournalStore.ts';
import { JournalWriter } from './journal/JournalWriter.ts';
import { LineStore } from './lines/LineStore.ts';
import { RegistrationStates } from './lines/RegistrationStates.ts';
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
  registrations: RegistrationStates;
  journal: JournalStore;
  calls: CallRegistry;
  auth: Authenticator;
}

export interface GatewayApp {
  readonly http: FastifyInstance;
  readonly context: GatewayContext;
  /** The bus, once connected. */
  readonly bus: BusClient | undefined;
  /** Listens on HTTP, connects the bus (retrying; /readyz says so), starts the bus-side services. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the gateway without listening: the database is opened and migrated (a failure is fatal), the
 * HTTP app gets every route, so tests can `inject()` right away.
 */
export async function build(deps: GatewayDeps): Promise<GatewayApp> {
  const { config, logger, registry } = deps;
  const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, logger });
  const users = new UserStore(database.db);
  const lines = new LineStore(database.db);
  const registrations = new RegistrationStates();
  const journal = new JournalStore(database.db);
  const calls = new CallRegistry();
  const throttle = new LoginThrottle({ maxFailures: config.LOGIN_MAX_FAILURES, lockoutMs: config.LOGIN_LOCKOUT_MS, baseDelayMs: config.LOGIN_BASE_DELAY_MS });
  const auth = new Authenticator(users, new TokenService(config.AUTH_TOKEN_SECRET, config.AUTH_TOKEN_TTL_S), throttle, logger);
  const context: GatewayContext = { config, logger, database, users, lines, registrations, journal, calls, auth };

  let bus: BusClient | undefined;
  const stops: Array<() => void | Promise<void>> = [];
  const abort = new AbortController();

  const http = buildHttp(context, registry, {
    nats: () => bus?.connected ?? false,
    database: () => database.ping(),
  });

  return {
    http,
    context,
    get bus() {
      return bus;
    },
    async start() {
      await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      bus = await BusClient.connect({
        servers: config.NATS_URL,
        prefix: config.BUS_PREFIX,
        name: `cti-gateway${deps.instanceName ? `-${deps.instanceName}` : ''}`,
        logger,
        requestTimeoutMs: config.BUS_REQUEST_TIMEOUT_MS,
      }, abort.signal);
      instrumentBus(bus, registry, 'cti-gateway');
      stops.push(await startLineService(bus, lines, registrations, logger));
      stops.push(subscribeCalls(bus, calls));
      const writer = new JournalWriter(database.db, bus, logger);
      await writer.start();
      stops.push(() => writer.stop());
      logger.info({ http: config.HTTP_PORT }, 'cti-gateway started');
    },
    async stop() {
      abort.abort();
      await http.close();
      for (const stop of stops.reverse()) await stop();
      calls.close();
      await bus?.close();
      await database.close();
    },
  };
}

function subscribeCalls(bus: BusClient, calls: CallRegistry): () => void {
  const s = bus.subjects;
  const subs: Unsubscribe[] = [
    bus.subscribe(s.callEventAll, CallEvent, (e) => void calls.applyCallEvent(e)),
    bus.subscribe(s.mediaEventAll, MediaCallEvent, (e) => calls.applyMediaEvent(e)),
  ];
  return () => subs.forEach((sub) => sub.unsubscribe());
}

function buildHttp(ctx: GatewayContext, registry: Registry, readiness: Record<string, () => boolean | Promise<boolean>>): FastifyInstance {
  const { config } = ctx;
  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE
    ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
    : undefined;
  void tls; // HTTPS on HTTPS_PORT is added with the WebSocket transport
  const http = createHttpServer({ service: 'cti-gateway', logger: ctx.logger, registry, readiness });
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
  http.register(fastifySwaggerUi, { routePrefix: '/docs' });
  http.register(adminApi, {
    prefix: '/api/v1',
    adminToken: config.ADMIN_TOKEN,
    auth: ctx.auth,
    users: ctx.users,
    lines: ctx.lines,
    registrations: ctx.registrations,
    journal: ctx.journal,
    calls: ctx.calls,
    mediaNodes: () => [],
  });
  return http;
}
