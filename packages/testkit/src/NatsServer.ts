import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from './check.ts';

/**
 * A private nats-server on an ephemeral loopback port (as nats.js's test launcher does): for tests that
 * stop and restart the server. Ordinary tests use the shared one on 127.0.0.1:4222 with their own prefix.
 */
export class NatsServer {
  readonly dir: string;
  #proc: ChildProcess | undefined;
  #port = -1;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async start(options: { jetstream?: boolean } = {}): Promise<NatsServer> {
    const server = new NatsServer(mkdtempSync(join(tmpdir(), 'ucs-nats-')));
    writeFileSync(join(server.dir, 'js'), options.jetstream === false ? '' : '1');
    await server.#launch();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  async #launch(): Promise<void> {
    const jetstream = readFileSync(join(this.dir, 'js'), 'utf8') === '1';
    for (const f of readdirSync(this.dir)) if (f.endsWith('.ports')) rmSync(join(this.dir, f));
    const args = ['-a', '127.0.0.1', '-p', String(this.#port), '--ports_file_dir', this.dir];
    if (jetstream) args.push('-js', '-sd', join(this.dir, 'store'));
    const proc = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#proc = proc;
    let exited: Error | undefined;
    proc.once('error', (err) => {
      exited = new Error(`nats-server could not start (${err.message}); install it (scripts/test-peers.sh) or put it on PATH`);
    });
    proc.once('exit', (code) => {
      exited ??= new Error(`nats-server exited with ${code}`);
    });
    const portsFile = await check(() => {
      if (exited) throw exited;
      return readdirSync(this.dir).find((f) => f.endsWith('.ports'));
    }, 5000, { name: 'nats-server ports file' });
    const ports = JSON.parse(readFileSync(join(this.dir, portsFile), 'utf8')) as { nats: string[] };
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
