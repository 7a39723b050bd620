// The cti-gateway alone, as production runs it (a child process from the sources, configured only by
// environment variables), with its own nats-server, for the security suites: attacks on logins, tokens,
// the web pages and the logs need no PBX or media node. HTTP requests can come from any 127.0.0.0/8
// source address (the namespace's `lo` answers all of them), so a test plays several client addresses.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort, NatsServer } from '@ucserver/testkit';
import { assertIsolated } from '../../e2e/support/netns.ts';
import { NodeService } from '../../e2e/support/NodeService.ts';
import { artifactsRoot } from '../../e2e/support/paths.ts';
import { metricSum } from '../../e2e/support/prometheus.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Milliseconds from sending the request to the end of the answer. */
  ms: number;
}

export interface HttpCall {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address of the connection (any 127.x.y.z). Default 127.0.0.1. */
  from?: string;
}

export const basic = (login: string, password: string): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

/** The gateway process plus its nats-server; `stop()` awaits both. */
export class GatewayUnderTest {
  readonly adminToken: string;
  readonly artifacts: string;
  readonly gateway: NodeService;
  readonly #nats: NatsServer;

  private constructor(artifacts: string, nats: NatsServer, gateway: NodeService, adminToken: string) {
    this.adminToken = adminToken;
    this.artifacts = artifacts;
    this.#nats = nats;
    this.gateway = gateway;
  }

  /** Starts nats-server and the gateway (debug logging, so the log tests see everything it writes). */
  static async start(scenario: string, env: Record<string, string> = {}): Promise<GatewayUnderTest> {
    assertIsolated();
    const artifacts = join(artifactsRoot, '..', 'security', scenario);
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const nats = await NatsServer.start();
    const adminToken = randomBytes(16).toString('hex');
    let gateway: NodeService | undefined;
    try {
      gateway = NodeService.start('cti-gateway', 'cti-gateway', {
        NATS_URL: nats.url,
        BUS_PREFIX: `sec${randomBytes(3).toString('hex')}`,
        LOG_LEVEL: 'debug',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(await freePort({ tcp: true })),
        CTI_TCP_HOST: '127.0.0.1',
        CTI_TCP_PORT: String(await freePort({ tcp: true })),
        PGLITE_DIR: 'memory://',
        ADMIN_TOKEN: adminToken,
        LINE_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
        ...env,
      }, artifacts);
      await gateway.waitReady(60_000);
    } catch (err) {
      await gateway?.stop();
      await nats.dispose();
      throw err;
    }
    return new GatewayUnderTest(artifacts, nats, gateway, adminToken);
  }

  get url(): string {
    return this.gateway.httpUrl;
  }

  get ctiPort(): number {
    return Number(this.gateway.env.CTI_TCP_PORT);
  }

  /** One HTTP request from `call.from`; never throws for an HTTP status. */
  http(path: string, call: HttpCall = {}): Promise<HttpAnswer> {
    const url = new URL(path, this.url);
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: call.method ?? 'GET',
        headers: { ...(call.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(call.body)) } : {}), ...call.headers },
        localAddress: call.from ?? '127.0.0.1',
        agent: false,
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer to ${call.method ?? 'GET'} ${path} within 30 s`)));
      req.on('error', reject);
      req.end(call.body);
    });
  }

  /** An admin API call with the bearer token; throws on a non-2xx answer. */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.http(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${this.adminToken}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (res.status >= 300) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${res.body}`);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  /** `POST /ws/client/createsession` with Basic credentials from `from` (the ENetUC web login). */
  createSession(login: string, password: string, from = '127.0.0.1'): Promise<HttpAnswer> {
    return this.http('/ws/client/createsession?clientappid=15', { method: 'POST', from, headers: { authorization: basic(login, password), 'x-no401': '1' }, body: '{"negotiate":{"iClientProtocolVersion":70}}' });
  }

  /** The value of a counter (summed over its labels), or undefined when the gateway does not export it. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const text = await this.gateway.metrics();
    if (!new RegExp(`^${name}(\\{|\\s)`, 'm').test(text)) return undefined;
    return metricSum(text, name, labels);
  }

  /** Bytes in the gateway's log file so far. */
  logBytes(): number {
    return statSync(this.gateway.logFile).size;
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
    await this.#nats.dispose();
  }
}
