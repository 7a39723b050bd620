// The multi-host system of issue 18's fault test: every service in its own TestNetwork host (a network
// namespace on a bridge, addresses 10.231.0.x), reached by the test's clients over the bridge:
//   nats-1..3   a nats-server each, one cluster, JetStream replicas 3 (BUS_STREAM_REPLICAS=3)
//   gw-a, gw-b  a cti-gateway each, one PostgreSQL database (the machine's server over its Unix socket, a
//               file: reachable from every namespace), the same token secret, admin token and line key
//   pbx-a/-b    a pbx-adapter each on one lease (the first to start is active)
//   media-a/-b  a media node each, announcing its host address
//   pbx         Kamailio + rtpengine (media via the PBX), lines 1000.. by Kamailio's rule range
// Every service gets every address it needs (NATS_URL lists all three servers); nothing binds loopback
// except what only its own host uses.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { check, Kamailio, NatsCluster, Rtpengine, TestNetwork, type TestHost } from '@ucserver/testkit';
import { NodeService } from '../../e2e/support/NodeService.ts';
import { artifactsRoot } from '../../e2e/support/paths.ts';
import { adminSql, databaseUrl } from './postgresAdmin.ts';

const CTI_PORT = 7222;
const HTTP_PORT = 7224;
// Not 5060: fetch refuses that port (a "bad port" of the Fetch standard), and Kamailio's JSON-RPC is HTTP on it.
const SIP_PORT = 5070;

/** The journal table's columns the test reads (a type, not an interface: pg's row type wants an index signature). */
export type JournalDbRow = {
  call_id: string;
  line_number: string;
  direction: string;
  answered_at: Date | null;
  ended_at: Date | null;
  disconnect_cause: string | null;
  media_node: string | null;
};

export class MultiHostStack {
  readonly artifacts = join(artifactsRoot, 'faults-multi-host');
  readonly adminToken = randomBytes(16).toString('hex');
  readonly busPrefix = `mh${randomBytes(3).toString('hex')}`;
  readonly dbName = `ucs_test_${randomBytes(6).toString('hex')}`;
  readonly network: TestNetwork;
  nats: NatsCluster | undefined;
  kamailio: Kamailio | undefined;
  rtpengine: Rtpengine | undefined;
  readonly gateways = new Map<string, NodeService>();
  readonly adapters = new Map<string, NodeService>();
  readonly media = new Map<string, NodeService>();
  #db: InstanceType<typeof pg.Pool> | undefined;
  #dbCreated = false;
  readonly #stoppers: Array<() => Promise<void>> = [];

  private constructor() {
    rmSync(this.artifacts, { recursive: true, force: true });
    mkdirSync(this.artifacts, { recursive: true });
    this.network = TestNetwork.create({ prefix: 'ucs-mh-' });
  }

  static async start(): Promise<MultiHostStack> {
    const stack = new MultiHostStack();
    try {
      await stack.#start();
    } catch (err) {
      const diagnostics = stack.diagnostics();
      await stack.stop();
      throw new Error(`multi-host stack did not start: ${(err as Error).message}\n${diagnostics}`, { cause: err });
    }
    return stack;
  }

  get dbUrl(): string {
    return databaseUrl(this.dbName);
  }

  host(name: string): TestHost {
    return this.network.host(name);
  }

  async #start(): Promise<void> {
    const t0 = Date.now();
    for (const name of ['nats-1', 'nats-2', 'nats-3', 'pbx', 'gw-a', 'gw-b', 'pbx-a', 'pbx-b', 'media-a', 'media-b']) this.network.addHost(name);
    await adminSql(`create database ${this.dbName}`);
    this.#dbCreated = true;
    this.#db = new pg.Pool({ connectionString: this.dbUrl, max: 2 });

    this.nats = await NatsCluster.start({ hosts: ['nats-1', 'nats-2', 'nats-3'].map((n) => this.host(n)) });
    this.#stoppers.push(() => this.nats!.dispose());
    const pbx = this.host('pbx');
    this.rtpengine = await Rtpengine.start({ host: pbx.address, netns: pbx.netns, portMin: 30000, portMax: 34999, deleteDelay: 0, logLevel: 5 });
    this.#stoppers.push(() => this.rtpengine!.dispose());
    this.kamailio = await Kamailio.start({ mode: 'media-via-pbx', host: pbx.address, netns: pbx.netns, port: SIP_PORT, rtpengine: this.rtpengine });
    this.#stoppers.push(() => this.kamailio!.dispose());
    this.log(`network, NATS cluster and PBX up after ${Date.now() - t0} ms`);

    const lineKey = randomBytes(32).toString('base64');
    const common = (h: TestHost): Record<string, string> => ({
      NATS_URL: this.nats!.urls,
      BUS_PREFIX: this.busPrefix,
      BUS_STREAM_REPLICAS: '3',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
      HTTP_HOST: h.address,
      HTTP_PORT: String(HTTP_PORT),
    });
    const tokenSecret = randomBytes(32).toString('hex');
    const gateway = (name: string): NodeService => {
      const h = this.host(name);
      return this.#service('cti-gateway', name, h, {
        ...common(h),
        CTI_TCP_HOST: h.address,
        CTI_TCP_PORT: String(CTI_PORT),
        DATABASE_URL: this.dbUrl,
        ADMIN_TOKEN: this.adminToken,
        AUTH_TOKEN_SECRET: tokenSecret,
        LINE_CREDENTIALS_KEY: lineKey,
        GATEWAY_INSTANCE_ID: name,
        GATEWAY_HEARTBEAT_INTERVAL_MS: '1000',
        LOGIN_BASE_DELAY_MS: '50',
        // The test's clients send nothing between calls; a round lasts longer than the default 90 s.
        CTI_IDLE_TIMEOUT_MS: '900000',
      }, this.gateways);
    };
    // gw-a migrates the empty database and creates the R3 streams; the others start once it is done. (All
    // at once on a fresh cluster under load, the media nodes' JetStream requests timed out at start and
    // they exited: see the note of issue 18's test.)
    await gateway('gw-a').waitReady(90_000);
    for (const name of ['media-a', 'media-b']) {
      const h = this.host(name);
      this.#service('media', name, h, {
        ...common(h),
        MEDIA_NODE_ID: name,
        MEDIA_WORKERS: '1',
        MEDIA_LISTEN_IP: h.address,
        MEDIA_ANNOUNCED_ADDRESS: h.address,
        MEDIA_RTC_MIN_PORT: '40000',
        MEDIA_RTC_MAX_PORT: '40999',
        MEDIA_WEBRTC_PORT: '39000',
        MEDIA_HEARTBEAT_MS: '500',
        MEDIA_DRAIN_TIMEOUT_MS: '0',
        MEDIA_WORKER_LOG_LEVEL: 'warn',
        CAPTURE_DIR: join(this.artifacts, `captures-${name}`),
      }, this.media);
    }
    await gateway('gw-b').waitReady(90_000);
    this.log(`gateways ready after ${Date.now() - t0} ms`);
    // pbx-a first, so it holds the lease; pbx-b then finds it taken and stands by.
    for (const name of ['pbx-a', 'pbx-b']) {
      const h = this.host(name);
      const adapter = this.#service('pbx-adapter', name, h, {
        ...common(h),
        SIP_HOST: h.address,
        SIP_PORT: '5062',
        SIP_TRANSPORTS: 'udp',
        SIP_REGISTER_EXPIRES_S: '300',
        SIP_REGISTER_RETRY_MIN_MS: '200',
        SIP_REGISTER_RETRY_MAX_MS: '2000',
        SIP_TRUSTED_PEERS: pbx.address,
        LINE_CREDENTIALS_KEY: lineKey,
        GATEWAY_LOSS_GRACE_MS: '3000',
        // The default lease (10 s) rides out a JetStream election (5–7 s) when a NATS server dies.
        PBX_LEASE_MS: '10000',
      }, this.adapters);
      await adapter.waitReady(90_000);
      if (name === 'pbx-a') await check(async () => (await this.leaseRole('pbx-a')) === 'active', 30_000, { name: 'pbx-a active', intervalMs: 200 });
    }
    await Promise.all([...this.media.values()].map((m) => m.waitReady(90_000)));
    this.log(`services ready after ${Date.now() - t0} ms`);
  }

  #service(name: 'cti-gateway' | 'media' | 'pbx-adapter', label: string, host: TestHost, env: Record<string, string>, into: Map<string, NodeService>): NodeService {
    const s = NodeService.start(name, label, env, this.artifacts, { netns: host.netns });
    into.set(label, s);
    this.#stoppers.push(() => into.get(label)!.stop());
    return s;
  }

  /** An adapter's role from its `/lease` ('active', 'standby', 'fenced', …; 'down' when it does not answer). */
  async leaseRole(name: string): Promise<string> {
    try {
      const res = await fetch(`${this.adapters.get(name)!.httpUrl}/lease`, { signal: AbortSignal.timeout(2000) });
      return ((await res.json()) as { role: string }).role;
    } catch {
      return 'down';
    }
  }

  /** An admin API call at the first gateway that runs; throws on non-2xx with the body. */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const gw = [...this.gateways.values()].find((g) => g.process.running);
    if (!gw) throw new Error('no gateway runs');
    const res = await fetch(`${gw.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path} at ${gw.label}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Users u<line> with their lines at the PBX, `concurrency` requests at a time. */
  async seed(lines: string[], concurrency = 8): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < lines.length) {
        const line = lines[next++]!;
        await this.admin('POST', '/api/v1/users', { login: `u${line}`, password: `secret-${line}`, displayName: `User ${line}` });
        await this.admin('POST', '/api/v1/lines', { number: line, registrar: this.kamailio!.address, transport: 'udp', authUser: line, authPassword: `pw${line}`, owner: `u${line}`, displayName: `Line ${line}` });
      }
    }));
  }

  /** Waits (bounded) until every one of `lines` reports `registered`. */
  async waitRegistered(lines: string[], timeoutMs: number): Promise<void> {
    let missing: string[] = lines;
    await check(async () => {
      const all = await this.admin<Array<{ number: string; registration: { status: string } | null }>>('GET', '/api/v1/lines');
      missing = lines.filter((n) => all.find((l) => l.number === n)?.registration?.status !== 'registered');
      return missing.length === 0;
    }, timeoutMs, { name: `${lines.length} lines registered`, intervalMs: 500 }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; not registered: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ' …' : ''}`);
    });
  }

  /** The journal rows of these call ids, read from the calls table. */
  async journal(callIds: string[]): Promise<JournalDbRow[]> {
    const r = await this.#db!.query<JournalDbRow>('select call_id, line_number, direction, answered_at, ended_at, disconnect_cause, media_node from calls where call_id = any($1)', [callIds]);
    return r.rows;
  }

  /** Every row of the journal still open (no end). */
  async openRows(): Promise<JournalDbRow[]> {
    const r = await this.#db!.query<JournalDbRow>('select call_id, line_number, direction, answered_at, ended_at, disconnect_cause, media_node from calls where ended_at is null');
    return r.rows;
  }

  log(message: string): void {
    process.stderr.write(`[multi-host] ${message}\n`);
  }

  /** The log tails of every service and peer. */
  diagnostics(lines = 20): string {
    const parts: string[] = [];
    for (const s of [...this.gateways.values(), ...this.adapters.values(), ...this.media.values()]) parts.push(`--- ${s.logFile} ---\n${s.tail(lines)}`);
    if (this.kamailio) parts.push(`--- kamailio ---\n${this.kamailio.logTail(lines)}`);
    for (const [i, n] of (this.nats?.servers ?? []).entries()) parts.push(`--- nats-${i + 1} ---\n${n.log.split('\n').slice(-lines).join('\n')}`);
    return `artifacts: ${this.artifacts}\n${parts.join('\n')}`;
  }

  /** Stops every process in reverse start order, drops the database, deletes the namespaces. Idempotent. */
  async stop(): Promise<void> {
    for (const stop of this.#stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        this.log(`teardown step failed: ${(err as Error).message}`);
      }
    }
    await this.#db?.end().catch(() => undefined);
    this.#db = undefined;
    if (this.#dbCreated) await adminSql(`drop database if exists ${this.dbName} with (force)`).catch((err: unknown) => this.log(`drop database: ${(err as Error).message}`));
    this.#dbCreated = false;
    await this.network.dispose();
  }
}
