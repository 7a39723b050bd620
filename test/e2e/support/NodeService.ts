import { join } from 'node:path';
import { check, ManagedProcess } from '@ucserver/testkit';
import { repoRoot } from './paths.ts';

export type ServiceName = 'cti-gateway' | 'media' | 'pbx-adapter';

/**
 * One of our services as a child process, exactly as `npm start` runs it from the sources
 * (`node --conditions=ucs-source services/<name>/src/index.ts`), configured only by environment
 * variables, its output in `<logDir>/<label>.log`. Restartable with the same configuration.
 */
export class NodeService {
  readonly name: ServiceName;
  /** Distinguishes several instances of one service (media-1, media-2). */
  readonly label: string;
  readonly env: Record<string, string>;
  readonly httpUrl: string;
  readonly #logDir: string;
  #process: ManagedProcess;
  #starts = 0;

  private constructor(name: ServiceName, label: string, env: Record<string, string>, logDir: string) {
    this.name = name;
    this.label = label;
    this.env = env;
    this.#logDir = logDir;
    this.httpUrl = `http://127.0.0.1:${env.HTTP_PORT}`;
    this.#process = this.#spawn();
  }

  static start(name: ServiceName, label: string, env: Record<string, string>, logDir: string): NodeService {
    return new NodeService(name, label, env, logDir);
  }

  get process(): ManagedProcess {
    return this.#process;
  }

  get logFile(): string {
    return this.#process.logFile;
  }

  #spawn(): ManagedProcess {
    this.#starts += 1;
    const base: NodeJS.ProcessEnv = { ...process.env };
    // the services must not think they are node:test children
    delete base.NODE_TEST_CONTEXT;
    delete base.NODE_OPTIONS;
    return ManagedProcess.spawn(this.label, process.execPath, ['--conditions=ucs-source', join('services', this.name, 'src', 'index.ts')], {
      cwd: repoRoot,
      env: { ...base, ...this.env },
      logFile: join(this.#logDir, `${this.label}${this.#starts > 1 ? `.${this.#starts}` : ''}.log`),
    });
  }

  /** Waits (bounded) until `/readyz` answers 200; fails early with the log tail if the process exits. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    try {
      await check(async () => {
        this.#process.assertRunning();
        const res = await fetch(`${this.httpUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200;
      }, timeoutMs, { name: `${this.label} /readyz at ${this.httpUrl}`, intervalMs: 100 });
    } catch (err) {
      throw this.#process.error(`not ready: ${(err as Error).message}`, err);
    }
  }

  /** Its /metrics text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.httpUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    return res.text();
  }

  /** SIGTERM (graceful) or SIGKILL (crash); waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    await this.#process.stop({ signal, graceMs });
  }

  /** Starts it again with the same environment (ports, node id). */
  async restart(): Promise<void> {
    await this.stop();
    this.#process = this.#spawn();
    await this.waitReady();
  }

  tail(lines = 40): string {
    return this.#process.tail(lines);
  }
}
