import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, freePort, freePortRange, Kamailio, linePassword, ManagedProcess, type KamailioMode, type KamailioOptions } from '@ucserver/testkit';
import { BrowserUser } from './BrowserUser.ts';
import { assertIsolated } from './netns.ts';
import { prepareSecureNats, type SecureNats } from './secureNats.ts';
import { NodeService } from './NodeService.ts';
import { artifactsRoot } from './paths.ts';

export interface E2eUser {
  login: string;
  password: string;
  displayName: string;
  /** The line the user owns (a Kamailio line: 100–103 with password pw<line>). */
  line: string;
}

/** A (line 100) and B (line 101) of the scenario. */
export const ALICE: E2eUser = { login: 'alice', password: 'alice-secret', displayName: 'Alice', line: '100' };
export const BOB: E2eUser = { login: 'bob', password: 'bob-secret', displayName: 'Bob', line: '101' };
/** C (line 102): a third party, e.g. the target of B's forwards. */
export const CAROL: E2eUser = { login: 'carol', password: 'carol-secret', displayName: 'Carol', line: '102' };

export interface E2eStackOptions {
  /** Artifacts go to test-artifacts/e2e/<scenario>/ (or `artifactsDir`). */
  scenario: string;
  /** Where the logs go instead of test-artifacts/e2e/<scenario>/ (e.g. the fuzz suite's test-artifacts/fuzz/). */
  artifactsDir?: string;
  /** Kamailio with rtpengine (media via the PBX) or without (Direct Media). Default media-via-pbx. */
  pbxMode?: KamailioMode;
  /** Further Kamailio options, e.g. a larger rtpengine for a load run (bench/call-setup). */
  pbx?: Omit<KamailioOptions, 'mode'>;
  /** Users to create with their lines. Default A and B. */
  users?: E2eUser[];
  /** Extra environment of the gateway. */
  gatewayEnv?: Record<string, string>;
  /** Extra environment of the pbx-adapter. */
  pbxAdapterEnv?: Record<string, string>;
  /**
   * The first media node's RTP range for its PBX legs (a PlainTransport's RTP and RTCP: four per call
   * through the PBX, more with video), reserved by the caller: a load run (bench/call-setup) sizes it to
   * its concurrent calls and takes it before any process runs (once Kamailio runs, its processes' UDP
   * sockets sit on random ephemeral ports and leave no block of thousands free above 32768). Default: 400
   * ports in 40000–59999, as every further node gets.
   */
  mediaRtpRange?: { min: number; max: number };
  /** nats-server's monitoring endpoint (`-m`, /connz per connection), at `natsMonitorUrl`: bench/call-setup counts messages per call with it. */
  natsMonitor?: boolean;
  /** Extra environment of every service (gateway, media nodes, pbx-adapter), before their own. */
  serviceEnv?: Record<string, string>;
  /**
   * NATS as deployed: a NATS (nkey) user per service with the permissions of the bus access table, no
   * anonymous access, and with `tls` TLS from a CA made for the run (secureNats.ts). Default: an
   * anonymous NATS.
   */
  natsSecurity?: { tls?: boolean };
}

export interface LineState {
  number: string;
  owner: string | null;
  registration: { status: string; sipStatus?: number; reason?: string } | null;
}

export interface JournalRow {
  callId: string;
  lineNumber: string;
  direction: 'inbound' | 'outbound';
  remoteNumber: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationS: number | null;
  disconnectCause: string | null;
  sipStatus: number | null;
  mediaPath: 'pbx' | 'direct' | null;
  mediaNode: string | null;
  /** The call carried video (a camera's stream reached the media node). */
  video: boolean;
  /** A ringing call a colleague picked up: their line (this row ended 'picked-up'). */
  pickedUpBy: string | null;
}

/**
 * The whole system inside the test's network namespace: nats-server (JetStream, temp store), the
 * cti-gateway (PGlite in memory), one media node, the pbx-adapter, Kamailio (+ rtpengine) from the
 * test kit — every one on an ephemeral loopback port, every log in test-artifacts/e2e/<scenario>/ —
 * plus the seeded users/lines and the Chromium softphones. `stop()` tears everything down and awaits
 * every process, also after a failed start.
 */
export class E2eStack {
  readonly scenario: string;
  readonly artifacts: string;
  readonly adminToken = randomBytes(16).toString('hex');
  readonly busPrefix = `e2e${randomBytes(3).toString('hex')}`;
  /** LINE_CREDENTIALS_KEY of the gateway and the pbx-adapter (the SIP passwords travel sealed with it). */
  readonly lineCredentialsKey = randomBytes(32).toString('base64');
  /** The NATS users, seeds and CA, with `natsSecurity`. */
  natsSecurity: SecureNats | undefined;
  readonly users: E2eUser[];
  readonly #tmp: string;
  readonly #options: E2eStackOptions;
  nats: ManagedProcess | undefined;
  natsUrl = '';
  /** http://127.0.0.1:<port> of nats-server's monitoring with `natsMonitor`, else ''. */
  natsMonitorUrl = '';
  /** How nats-server was started (port, store directory, auth), to start it again alike. */
  #natsArgs: string[] = [];
  #natsPort = 0;
  #natsStarts = 0;
  kamailio: Kamailio | undefined;
  gateway: NodeService | undefined;
  media: NodeService[] = [];
  pbxAdapter: NodeService | undefined;
  readonly browsers: BrowserUser[] = [];
  readonly #stoppers: Array<() => Promise<void>> = [];

  private constructor(options: E2eStackOptions) {
    assertIsolated();
    this.#options = options;
    this.scenario = options.scenario;
    this.users = options.users ?? [ALICE, BOB];
    this.artifacts = options.artifactsDir ?? join(artifactsRoot, options.scenario);
    rmSync(this.artifacts, { recursive: true, force: true });
    mkdirSync(this.artifacts, { recursive: true });
    this.#tmp = mkdtempSync(join(tmpdir(), 'ucs-e2e-'));
  }

  /** Starts everything; a failed start stops what was started and rethrows with the logs. */
  static async start(options: E2eStackOptions): Promise<E2eStack> {
    const stack = new E2eStack(options);
    try {
      await stack.#start();
    } catch (err) {
      const diagnostics = stack.diagnostics();
      await stack.stop();
      throw new Error(`e2e stack '${options.scenario}' did not start: ${(err as Error).message}\n${diagnostics}`, { cause: err });
    }
    return stack;
  }

  get gatewayUrl(): string {
    return this.gateway!.httpUrl;
  }

  get ctiPort(): number {
    return Number(this.gateway!.env.CTI_TCP_PORT);
  }

  async #start(): Promise<void> {
    const t0 = Date.now();
    // NATS with JetStream, private store
    const natsPort = await freePort({ tcp: true });
    const natsDir = join(this.#tmp, 'nats');
    mkdirSync(natsDir);
    const security = this.#options.natsSecurity;
    this.natsSecurity = security ? await prepareSecureNats({ dir: natsDir, prefix: this.busPrefix, port: natsPort, tls: security.tls ?? false }) : undefined;
    this.#natsArgs = [...(this.natsSecurity?.args ?? ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir]), '-l', join(this.artifacts, 'nats-server.log')];
    // E2E_NATS_TRACE=1: nats-server logs every message it receives, with the sending connection's name (what
    // each service publishes, by subject: bench/call-setup/natsTrace.ts counts them). Slows the server.
    if (process.env.E2E_NATS_TRACE === '1') this.#natsArgs.push('-V');
    if (this.#options.natsMonitor) {
      const monitorPort = await freePort({ tcp: true });
      this.#natsArgs.push('-m', String(monitorPort));
      this.natsMonitorUrl = `http://127.0.0.1:${monitorPort}`;
    }
    this.#natsPort = natsPort;
    this.#stoppers.push(async () => {
      await this.nats?.stop();
    });
    this.natsUrl = this.natsSecurity?.url ?? `nats://127.0.0.1:${natsPort}`;
    await this.startNats();

    // The PBX: Kamailio (+ its own rtpengine in media-via-pbx mode)
    this.kamailio = await Kamailio.start({ ...this.#options.pbx, mode: this.#options.pbxMode ?? 'media-via-pbx' });
    this.log(`nats + kamailio up after ${Date.now() - t0} ms`);
    this.#stoppers.push(async () => {
      const k = this.kamailio;
      if (!k) return;
      await k.stop();
      this.#collectPbxLogs(k);
      await k.dispose();
    });

    const common = { ...this.#options.serviceEnv, NATS_URL: this.natsUrl, BUS_PREFIX: this.busPrefix, LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'debug', HTTP_HOST: '127.0.0.1' };

    // cti-gateway
    const gwEnv = {
      ...common,
      HTTP_PORT: String(await freePort({ tcp: true })),
      CTI_TCP_HOST: '127.0.0.1',
      CTI_TCP_PORT: String(await freePort({ tcp: true })),
      PGLITE_DIR: 'memory://',
      ADMIN_TOKEN: this.adminToken,
      LINE_CREDENTIALS_KEY: this.lineCredentialsKey,
      ...this.natsSecurity?.env('cti-gateway'),
      LOGIN_BASE_DELAY_MS: '50',
      ...this.#options.gatewayEnv,
    };
    this.gateway = NodeService.start('cti-gateway', 'cti-gateway', gwEnv, this.artifacts);
    this.#stoppers.push(() => this.gateway!.stop());

    // media node(s)
    await this.addMediaNode();

    // The pbx-adapter asks the gateway for the lines at start (retrying with backoff): start it once the
    // gateway answers, so the registrations begin at once.
    await this.gateway.waitReady(60_000);
    this.log(`cti-gateway ready after ${Date.now() - t0} ms`);

    // pbx-adapter
    const sipPort = await freePort({ tcp: true, udp: true });
    const pbxAdapter = NodeService.start('pbx-adapter', 'pbx-adapter', {
      ...common,
      HTTP_PORT: String(await freePort({ tcp: true })),
      SIP_HOST: '127.0.0.1',
      SIP_PORT: String(sipPort),
      SIP_TRANSPORTS: 'udp,tcp',
      SIP_REGISTER_EXPIRES_S: '300',
      SIP_REGISTER_RETRY_MIN_MS: '200',
      SIP_REGISTER_RETRY_MAX_MS: '2000',
      LINE_CREDENTIALS_KEY: this.lineCredentialsKey,
      ...this.natsSecurity?.env('pbx-adapter'),
      ...this.#options.pbxAdapterEnv,
    }, this.artifacts);
    this.pbxAdapter = pbxAdapter;
    this.#stoppers.push(() => pbxAdapter.stop());

    await Promise.all([this.gateway, ...this.media, pbxAdapter].map((s) => s.waitReady(60_000)));
    this.log(`services ready after ${Date.now() - t0} ms`);
    await this.#seed();
    await this.waitRegistered(this.users.map((u) => u.line));
    this.log(`stack up in ${Date.now() - t0} ms (pbx ${this.kamailio.mode} at ${this.kamailio.address}, gateway ${this.gatewayUrl}, media ${this.media.length})`);
  }

  /**
   * Starts nats-server (again, after `stopNats`) on the same port with the same JetStream store and
   * authorization, and waits until it accepts connections. The services reconnect by themselves.
   */
  async startNats(): Promise<void> {
    if (this.nats?.running) throw new Error('nats-server is running');
    this.#natsStarts += 1;
    this.nats = ManagedProcess.spawn('nats-server', 'nats-server', this.#natsArgs, {
      logFile: join(this.artifacts, `nats-server${this.#natsStarts > 1 ? `.${this.#natsStarts}` : ''}.stdout.log`),
    });
    await check(async () => {
      this.nats!.assertRunning();
      return tcpOpen(this.#natsPort);
    }, 10_000, { name: `nats-server on ${this.natsUrl}`, intervalMs: 50 });
  }

  /** Stops nats-server (SIGKILL: an outage, not a shutdown); its store stays for `startNats`. */
  async stopNats(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.nats?.stop({ signal });
  }

  /**
   * Starts one more media node (ids media-1, media-2 …) and waits for /readyz. `env` goes over the
   * node's own environment (e.g. `MEDIA_LISTEN_IP: '127.0.0.2'`: a node on an address of its own).
   */
  async addMediaNode(options: { waitReady?: boolean; env?: Record<string, string> } = {}): Promise<NodeService> {
    const index = this.media.length + 1;
    const reserved = index === 1 ? this.#options.mediaRtpRange : undefined;
    const rtp = reserved ?? (await freePortRange(400, 40000, 59999));
    const node = NodeService.start('media', `media-${index}`, {
      NATS_URL: this.natsUrl,
      BUS_PREFIX: this.busPrefix,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'debug',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(await freePort({ tcp: true })),
      MEDIA_NODE_ID: `media-${index}`,
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(rtp.min),
      MEDIA_RTC_MAX_PORT: String(rtp.max),
      MEDIA_WEBRTC_PORT: String(await freePort({ tcp: true, udp: true })),
      MEDIA_HEARTBEAT_MS: '500',
      // The RTP counters behind /metrics move once per sampling round; scenario 2 measures a 3 s window.
      MEDIA_STATS_INTERVAL_MS: '1000',
      MEDIA_DRAIN_TIMEOUT_MS: '0',
      MEDIA_WORKER_LOG_LEVEL: 'warn',
      // the node's captures beside its logs (emptied with them at the next run), not in ./captures
      CAPTURE_DIR: join(this.artifacts, `captures-media-${index}`),
      ...this.#options.serviceEnv,
      ...this.natsSecurity?.env('media'),
      ...options.env,
    }, this.artifacts);
    this.media.push(node);
    this.#stoppers.push(() => node.stop());
    if (options.waitReady) await node.waitReady(60_000);
    return node;
  }

  async #seed(): Promise<void> {
    for (const u of this.users) {
      await this.admin('POST', '/api/v1/users', { login: u.login, password: u.password, displayName: u.displayName });
      await this.admin('POST', '/api/v1/lines', {
        number: u.line,
        registrar: this.kamailio!.address,
        transport: 'udp',
        authUser: u.line,
        authPassword: linePassword(u.line),
        owner: u.login,
        displayName: `${u.displayName}'s line`,
      });
    }
  }

  /** An admin API call with the bearer token; throws on non-2xx with the response body. */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  lines(): Promise<LineState[]> {
    return this.admin<LineState[]>('GET', '/api/v1/lines');
  }

  /** Waits (bounded) until the lines report `registered` in the admin API. */
  async waitRegistered(numbers: string[], timeoutMs = 20_000): Promise<void> {
    await check(async () => {
      const lines = await this.lines();
      return numbers.every((n) => lines.find((l) => l.number === n)?.registration?.status === 'registered');
    }, timeoutMs, { name: `lines ${numbers.join(', ')} registered (GET /api/v1/lines)`, intervalMs: 200 }).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; lines now: ${JSON.stringify(await this.lines().catch(() => 'unavailable'))}`);
    });
  }

  async journal(line?: string): Promise<JournalRow[]> {
    const page = await this.admin<{ entries: JournalRow[] }>('GET', `/api/v1/journal?limit=100${line ? `&line=${encodeURIComponent(line)}` : ''}`);
    return page.entries;
  }

  /** A Chromium softphone for `user`, its microphone playing a `toneHz` sine (on `baseUrl`: default the gateway). */
  async browser(user: E2eUser, toneHz: number, baseUrl = this.gatewayUrl, query?: string): Promise<BrowserUser> {
    const b = await BrowserUser.launch({ name: user.login, user, toneHz, baseUrl, artifacts: this.artifacts, tmp: this.#tmp, ...(query ? { query } : {}) });
    this.browsers.push(b);
    this.#stoppers.push(() => b.close());
    return b;
  }

  /** Has `stop()` run `teardown` too, before whatever was started until now (e.g. a file's own SIP phone). */
  onStop(teardown: () => Promise<void>): void {
    this.#stoppers.push(teardown);
  }

  log(message: string): void {
    process.stderr.write(`[e2e ${this.scenario}] ${message}\n`);
  }

  /** The log tails of every process, for assertion messages. */
  diagnostics(lines = 25): string {
    const parts: string[] = [];
    const add = (name: string, text: string | undefined): void => {
      if (text) parts.push(`--- ${name} (last ${lines} lines) ---\n${text}`);
    };
    for (const s of [this.gateway, this.pbxAdapter, ...this.media]) if (s) add(s.logFile, s.tail(lines));
    add('kamailio', this.kamailio?.logTail(lines));
    add('rtpengine', this.kamailio?.rtpengine?.process?.tail(lines));
    add('nats-server', this.nats?.tail(lines));
    for (const b of this.browsers) add(`${b.name} browser console`, b.consoleTail(lines));
    return `artifacts: ${this.artifacts}\n${parts.join('\n')}`;
  }

  /**
   * Runs a scenario step; on failure takes a screenshot of every browser and rethrows with the log
   * tails of every process attached.
   */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      const value = await fn();
      this.log(`✓ ${name} (${Date.now() - t0} ms)`);
      return value;
    } catch (err) {
      this.log(`✗ ${name} (${Date.now() - t0} ms): ${(err as Error).message.split('\n')[0]}`);
      for (const b of this.browsers) await b.screenshot(`FAILED-${name}`).catch(() => undefined);
      const e = err as Error;
      if (!e.message.includes('--- ')) e.message = `[${name}] ${e.message}\n${this.diagnostics()}`;
      throw e;
    }
  }

  #collectPbxLogs(k: Kamailio): void {
    const copy = (dir: string | undefined, prefix: string): void => {
      if (!dir || !existsSync(dir)) return;
      for (const f of readdirSync(dir)) if (f.endsWith('.log')) copyFileSync(join(dir, f), join(this.artifacts, `${prefix}${f}`));
    };
    copy(k.dir, '');
    copy(k.rtpengine?.dir, '');
  }

  /** Stops everything in reverse start order and awaits each process; idempotent. */
  async stop(): Promise<void> {
    const stoppers = this.#stoppers.splice(0).reverse();
    for (const stop of stoppers) {
      try {
        await stop();
      } catch (err) {
        this.log(`teardown step failed: ${(err as Error).message}`);
      }
    }
    rmSync(this.#tmp, { recursive: true, force: true });
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
