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
  /** The network namespace it runs in (a TestNetwork host's), if not the test's own. */
  readonly netns: string | undefined;
  #process: ManagedProcess;
  #starts = 0;

  private constructor(name: ServiceName, label: string, env: Record<string, string>, logDir: string, netns: string | undefined) {
    this.name = name;
    this.label = label;
    this.env = env;
    this.#logDir = logDir;
    this.netns = netns;
    this.httpUrl = `http://${env.HTTP_HOST && env.HTTP_HOST !== '0.0.0.0' ? env.HTTP_HOST : '127.0.0.1'}:${env.HTTP_PORT}`;
    this.#process = this.#spawn();
  }

  /** `options.netns`: run it in that network namespace (a TestNetwork host; HTTP_HOST its address). */
  static start(name: ServiceName, label: string, env: Record<string, string>, logDir: string, options: { netns?: string } = {}): NodeService {
    return new NodeService(name, label, env, logDir, options.netns);
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
      netns: this.netns,
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

  /** Starts it again with the same environment (ports, node id), waiting at most `readyTimeoutMs` for /readyz. */
  async restart(readyTimeoutMs = 30_000): Promise<void> {
    await this.stop();
    this.#process = this.#spawn();
    await this.waitReady(readyTimeoutMs);
  }

  tail(lines = 40): string {
    return this.#process.tail(lines);
  }
}
