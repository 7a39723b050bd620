import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from './check.ts';
import type { NatsServerOptions } from './NatsServerTypes.ts';

/** Every server process still running, killed when this Node process exits (a crashed test leaves none). */
const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * A private nats-server on an ephemeral loopback port (as nats.js's test launcher does): for tests that
 * stop and restart the server. Ordinary tests use the shared one on 127.0.0.1:4222 with their own prefix.
 */
export class NatsServer {
  readonly dir: string;
  readonly #options: NatsServerOptions;
  #proc: ChildProcess | undefined;
  #port = -1;
  #stderr = '';

  private constructor(dir: string, options: NatsServerOptions) {
    this.dir = dir;
    this.#options = options;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(mkdtempSync(join(tmpdir(), 'ucs-nats-')), options);
    writeFileSync(join(server.dir, 'js'), options.jetstream === false ? '' : '1');
    try {
      await server.#launch();
    } catch (err) {
      // A server that did not come up must not outlive the test (its stderr pipe keeps the process alive).
      await server.dispose();
      throw err;
    }
    return server;
  }

  /** What the server wrote to stderr (its log: refused connections, permission violations). */
  get log(): string {
    return this.#stderr;
  }

  get port(): number {
    return this.#port;
  }

  /** The address it listens on: 127.0.0.1, or the `host` option's. */
  get host(): string {
    return this.#options.host ?? '127.0.0.1';
  }

  get url(): string {
    return `nats://${this.host}:${this.#port}`;
  }

  async #launch(): Promise<void> {
    const jetstream = readFileSync(join(this.dir, 'js'), 'utf8') === '1';
    for (const f of readdirSync(this.dir)) if (f.endsWith('.ports')) rmSync(join(this.dir, f));
    const config = this.#options.config;
    const args = [...(config ? ['-c', config] : []), '-a', this.host, '-p', String(this.#port), '--ports_file_dir', this.dir, ...(this.#options.args ?? [])];
    if (jetstream && !config) args.push('-js', '-sd', join(this.dir, 'store'));
    const netns = this.#options.netns;
    const proc = spawn(netns ? 'ip' : 'nats-server', netns ? ['netns', 'exec', netns, 'nats-server', ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.#options.env } });
    this.#proc = proc;
    live.add(proc);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const p of live) p.kill('SIGKILL');
      });
    }
    // Bounded: the tail is what a test reads.
    proc.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-256_000);
    });
    let exited: Error | undefined;
    proc.once('error', (err) => {
      exited = new Error(`nats-server could not start (${err.message}); install it (scripts/test-peers.sh) or put it on PATH`);
    });
    proc.once('exit', (code) => {
      live.delete(proc);
      exited ??= new Error(`nats-server exited with ${code}: ${this.#stderr.slice(-500)}`);
    });
    const ports = await check(() => {
      if (exited) throw exited;
      const portsFile = readdirSync(this.dir).find((f) => f.endsWith('.ports'));
      if (!portsFile) return undefined;
      // nats-server creates the file before it writes it: an empty or partial file is read again.
      try {
        return JSON.parse(readFileSync(join(this.dir, portsFile), 'utf8')) as { nats: string[] };
      } catch {
        return undefined;
      }
    }, 5000, { name: 'nats-server ports file' });
    this.#port = Number(new URL(ports.nats[0]!).port);
  }

  /** Stops the process and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Starts again on the same port (clients reconnect to the URL they know). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
