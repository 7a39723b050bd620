import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** A named readiness check; each must answer quickly (it runs on every /readyz). */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HttpServerOptions {
  service: string;
  logger: Logger;
  registry: Registry;
  readiness: Record<string, ReadinessCheck>;
  /** Largest request body (bytes). Default 1 MiB. */
  bodyLimit?: number;
  /** Serve HTTPS with this certificate and key instead of plain HTTP. */
  https?: { cert: Buffer | string; key: Buffer | string };
}

/**
 * The fastify instance every service starts from, not yet listening (tests use `inject()`):
 * `/healthz` (the process answers), `/readyz` (every dependency is usable) and `/metrics`.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // fastify's HTTPS overload returns a differently-typed instance; routes are the same, so one type serves.
  const app = (Fastify as unknown as (o: object) => FastifyInstance)({
    ...(options.https ? { https: options.https } : {}),
    loggerInstance: options.logger.child({ component: 'http' }),
    // Per-request lines would drown the logs in /metrics scrapes; failures are logged in onResponse below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Slow or stuck clients cannot hold sockets forever.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.addHook('onResponse', async (req, reply) => {
    // the path only: query strings can carry credentials (a client's `?token=`) and are never logged
    if (reply.statusCode >= 500) req.log.warn({ method: req.method, path: req.url.replace(/\?.*$/s, ''), status: reply.statusCode }, 'request failed');
  });
  app.register(async (health) => {
    health.get('/healthz', async () => ({ status: 'ok', service: options.service }));
    health.get('/readyz', async (_req, reply) => {
      const checks: Record<string, boolean> = {};
      await Promise.all(
        Object.entries(options.readiness).map(async ([name, check]) => {
          try {
            checks[name] = await check();
          } catch {
            checks[name] = false;
          }
        }),
      );
      const ready = Object.values(checks).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', service: options.service, checks });
    });
    health.get('/metrics', async (_req, reply) => {
      const body = await options.registry.metrics();
      return reply.type(options.registry.contentType).send(body);
    });
  });
  return app;
}
