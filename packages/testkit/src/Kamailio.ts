import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from './check.ts';
import { freePort } from './freePorts.ts';
import { ManagedProcess } from './ManagedProcess.ts';
import { Rtpengine } from './Rtpengine.ts';
import { sipPing } from './sipMessages.ts';
import type { KamailioContact, KamailioMode, KamailioOptions } from './KamailioTypes.ts';

const LOOPBACK = '127.0.0.1';

/** infra/pbx/ of this repository (the test PBX's configuration and SIPp scenarios). */
export const pbxDir: string = fileURLToPath(new URL('../../../infra/pbx/', import.meta.url));

/** The password of a line of the default configuration (users.cfg and the rule range): "pw" + line. */
export function linePassword(line: string | number): string {
  return `pw${line}`;
}

/**
 * The test PBX: Kamailio 5.6 with infra/pbx/kamailio/kamailio.cfg on a private loopback port, as
 * registrar + proxy with digest auth, in `media-via-pbx` (rtpengine anchors all RTP) or `direct-media`
 * mode. Several instances run side by side: each has its own directory (config copy, users.cfg,
 * runtime dir, log) and port.
 */
export class Kamailio {
  readonly dir: string;
  readonly mode: KamailioMode;
  /** The address it listens on (UDP and TCP). */
  readonly host: string;
  readonly rtpengine: Rtpengine | undefined;
  #port: number;
  #tlsPort: number | undefined;
  #process: ManagedProcess | undefined;
  #ownsRtpengine: boolean;
  #domain: string | undefined;

  private constructor(dir: string, mode: KamailioMode, host: string, port: number, rtpengine: Rtpengine | undefined, owns: boolean, domain: string | undefined) {
    this.dir = dir;
    this.host = host;
    this.mode = mode;
    this.#port = port;
    this.rtpengine = rtpengine;
    this.#ownsRtpengine = owns;
    this.#domain = domain;
  }

  static async start(options: KamailioOptions): Promise<Kamailio> {
    if (options.mode !== 'media-via-pbx' && options.mode !== 'direct-media') {
      throw new TypeError(`Kamailio.start: unknown mode '${String(options.mode)}' (media-via-pbx | direct-media)`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'ucs-kamailio-'));
    mkdirSync(join(dir, 'run'));
    copyFileSync(join(pbxDir, 'kamailio', 'kamailio.cfg'), join(dir, 'kamailio.cfg'));
    if (options.users) writeFileSync(join(dir, 'users.cfg'), usersCfg(options.users));
    else copyFileSync(join(pbxDir, 'kamailio', 'users.cfg'), join(dir, 'users.cfg'));

    let rtpengine = options.rtpengine;
    const owns = options.mode === 'media-via-pbx' && !rtpengine;
    if (owns) rtpengine = await Rtpengine.start({ host: options.host, netns: options.netns });
    if (options.mode === 'direct-media') rtpengine = undefined;

    const fixedPort = options.port && options.port > 0 ? options.port : undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < (fixedPort ? 1 : 3); attempt++) {
      const port = fixedPort ?? (await freePort({ tcp: true }));
      const kamailio = new Kamailio(dir, options.mode, options.host ?? LOOPBACK, port, rtpengine, owns, options.domain);
      if (options.tls) kamailio.#tlsPort = await freePort({ tcp: true });
      try {
        await kamailio.#launch(options);
        return kamailio;
      } catch (err) {
        lastError = err;
        await kamailio.#process?.stop();
        // a port taken between picking and binding: try another one
        if (!/bind|Address already in use/i.test(String((err as Error).message))) break;
      }
    }
    if (owns) await rtpengine?.dispose();
    if (!process.env.TEST_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  get port(): number {
    return this.#port;
  }

  /** The SIP TLS port (only with the `tls` option). */
  get tlsPort(): number | undefined {
    return this.#tlsPort;
  }

  /** `127.0.0.1:PORT` (its host). */
  get address(): string {
    return `${this.host}:${this.#port}`;
  }

  /** `sip:127.0.0.1:PORT` (its host). */
  get url(): string {
    return `sip:${this.host}:${this.#port}`;
  }

  /** The SIP domain lines register in: the configured `domain`, else `127.0.0.1:PORT`. */
  get domain(): string {
    return this.#domain ?? this.address;
  }

  /** The URI of a line at this PBX: `sip:101@127.0.0.1:PORT`. */
  uri(line: string | number): string {
    return `sip:${line}@${this.domain}`;
  }

  get process(): ManagedProcess | undefined {
    return this.#process;
  }

  async #launch(options: KamailioOptions): Promise<void> {
    const args = ['-f', join(this.dir, 'kamailio.cfg'), '-DD', '-E', '-m', '64', '-M', '8', '-Y', join(this.dir, 'run'),
      '-A', `PBX_IP=${this.host}`, '-A', `PBX_PORT=${this.#port}`];
    if (this.rtpengine) args.push('-A', 'WITH_RTPENGINE', '-A', `RTPENGINE_SOCK="${this.rtpengine.ngSocket}"`);
    if (options.domain) args.push('-A', `PBX_DOMAIN="${options.domain}"`);
    if (options.lineRange) {
      args.push('-A', `LINE_MIN=${Math.trunc(options.lineRange.min)}`, '-A', `LINE_MAX=${Math.trunc(options.lineRange.max)}`);
      if (options.lineRange.passwordPrefix !== undefined) args.push('-A', `LINE_PASSWORD_PREFIX="${cfgString(options.lineRange.passwordPrefix)}"`);
    }
    if (options.tls && this.#tlsPort) {
      const cfg = join(this.dir, 'tls.cfg');
      writeFileSync(cfg, tlsCfg(options.tls));
      args.push('-A', 'WITH_TLS', '-A', `PBX_TLS_PORT=${this.#tlsPort}`, '-A', `TLS_CFG="${cfgString(cfg)}"`);
    }
    if (options.debug || process.env.TEST_PBX_DEBUG) args.push('-A', 'WITH_DEBUG');
    const proc = ManagedProcess.spawn('kamailio', 'kamailio', args, { cwd: this.dir, logFile: join(this.dir, `kamailio-${this.#port}.log`), netns: options.netns });
    this.#process = proc;
    await proc.ready(async () => {
      if ((await sipPing(this.host, this.#port, 300)) !== 200) return false;
      return (await this.rpc('core.version')) !== undefined;
    }, options.readyTimeoutMs ?? 10_000, { name: `kamailio answering OPTIONS and JSON-RPC on ${this.address}`, intervalMs: 50 });
  }

  /** A JSON-RPC call over HTTP on the SIP TCP port (POST /RPC), e.g. `rpc('ul.dump')`. */
  async rpc<T = unknown>(method: string, ...params: (string | number)[]): Promise<T> {
    const res = await fetch(`http://${this.host}:${this.#port}/RPC`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
      signal: AbortSignal.timeout(3000),
    });
    const reply = (await res.json()) as { result?: T; error?: { code: number; message: string } };
    if (reply.error) throw new KamailioRpcError(method, reply.error.code, reply.error.message);
    return reply.result as T;
  }

  /** The current bindings of `line` (empty when not registered). */
  async contacts(line: string | number): Promise<KamailioContact[]> {
    type Raw = { Contacts?: { Contact: Record<string, unknown> }[] };
    let result: Raw;
    try {
      result = await this.rpc<Raw>('ul.lookup', 'location', String(line));
    } catch (err) {
      if (err instanceof KamailioRpcError && /not found/i.test(err.message)) return [];
      throw err;
    }
    return (result.Contacts ?? []).map(({ Contact: c }) => ({
      address: String(c.Address ?? ''),
      expires: Number(c.Expires ?? 0),
      received: c.Received && c.Received !== '[not set]' ? String(c.Received) : undefined,
      callId: c['Call-ID'] === undefined ? undefined : String(c['Call-ID']),
      userAgent: c['User-Agent'] === undefined ? undefined : String(c['User-Agent']),
      socket: c.Socket === undefined ? undefined : String(c.Socket),
    }));
  }

  /** Waits (bounded) until `line` has at least one binding; returns the bindings. */
  async waitRegistered(line: string | number, timeoutMs = 5000): Promise<KamailioContact[]> {
    return check(async () => {
      const c = await this.contacts(line);
      return c.length > 0 ? c : undefined;
    }, timeoutMs, { name: `line ${line} registered at kamailio ${this.address}` });
  }

  /** Waits (bounded) until `line` has no binding. */
  async waitUnregistered(line: string | number, timeoutMs = 5000): Promise<void> {
    await check(async () => (await this.contacts(line)).length === 0, timeoutMs, { name: `line ${line} unregistered at kamailio ${this.address}` });
  }

  /** The last lines of Kamailio's log. */
  logTail(lines = 40): string {
    return this.#process?.tail(lines) ?? '';
  }

  /** Stops Kamailio (and the rtpengine it started itself) and waits for the exits. Idempotent. */
  async stop(): Promise<void> {
    await this.#process?.stop();
    if (this.#ownsRtpengine) await this.rtpengine?.stop();
  }

  /** stop() and remove the working directory (kept when TEST_KEEP_DIRS is set). */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.#ownsRtpengine) await this.rtpengine?.dispose();
    if (!process.env.TEST_KEEP_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A JSON-RPC error reply from Kamailio (`rpcCode` is Kamailio's, e.g. 500 "AOR not found"). */
export class KamailioRpcError extends Error {
  override readonly name = 'KamailioRpcError';
  readonly method: string;
  readonly rpcCode: number;

  constructor(method: string, rpcCode: number, message: string) {
    super(`kamailio rpc ${method}: ${message} [rpcCode:${rpcCode}]`);
    this.method = method;
    this.rpcCode = rpcCode;
  }
}

/** The tls module's profiles: our certificate as server; peers are neither asked for one nor verified. */
function tlsCfg(tls: { certFile: string; keyFile: string }): string {
  const profile = (name: string, own: boolean): string[] => [
    `[${name}:default]`,
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    ...(own ? [`certificate = ${tls.certFile}`, `private_key = ${tls.keyFile}`] : []),
    '',
  ];
  return ['# generated by @ucserver/testkit Kamailio.start({ tls })', ...profile('server', true), ...profile('client', false)].join('\n');
}

function cfgString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** users.cfg of a `users` map: `$sht(users=>LINE) = "PASSWORD";` lines. */
export function usersCfg(users: Record<string, string>): string {
  const lines = ['# generated by @ucserver/testkit Kamailio.start({ users })'];
  for (const [line, password] of Object.entries(users)) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(line)) throw new TypeError(`Kamailio users: invalid line name '${line}' (allowed: A-Za-z0-9_.+-)`);
    lines.push(`$sht(users=>${line}) = "${cfgString(password)}";`);
  }
  return `${lines.join('\n')}\n`;
}
