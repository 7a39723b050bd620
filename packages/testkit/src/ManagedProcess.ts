import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { check } from './check.ts';

export interface ManagedProcessOptions {
  /** Working directory of the process. */
  cwd?: string;
  /** stdout and stderr are appended to this file; {@link ManagedProcess.tail} reads it back. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Run it in this named network namespace (`ip netns exec <netns> command …`: ip execs the command, so
   * the pid and process group are the command's own). A TestNetwork host's `netns`.
   */
  netns?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

/** Every process group still alive, killed when this Node process exits (a crashed test leaves no daemons). */
const live = new Set<ManagedProcess>();
let exitHook = false;

/**
 * A child process of the test bed (kamailio, rtpengine, baresip, sipp): its own process group (so forked
 * workers die with it), output captured to a log file, an `exited` promise, and a bounded `stop()`.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<ProcessExit>;
  #proc: ChildProcess;
  #exit: ProcessExit | undefined;

  private constructor(name: string, proc: ChildProcess, logFile: string) {
    this.name = name;
    this.#proc = proc;
    this.logFile = logFile;
    this.exited = new Promise<ProcessExit>((resolve) => {
      proc.once('error', (error) => {
        const err = (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`${name}: executable not found (${error.message}); install the test peers: scripts/test-peers.sh`)
          : error;
        this.#exit ??= { code: null, signal: null, error: err };
        live.delete(this);
        resolve(this.#exit);
      });
      proc.once('exit', (code, signal) => {
        this.#exit ??= { code, signal };
        live.delete(this);
        resolve(this.#exit);
      });
    });
  }

  /** Starts `command args` in a new process group with stdout/stderr appended to `options.logFile`. */
  static spawn(name: string, command: string, args: readonly string[], options: ManagedProcessOptions): ManagedProcess {
    const fd = openSync(options.logFile, 'a');
    let proc: ChildProcess;
    try {
      const [cmd, argv]: [string, readonly string[]] = options.netns ? ['ip', ['netns', 'exec', options.netns, command, ...args]] : [command, args];
      proc = spawn(cmd, argv, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const managed = new ManagedProcess(name, proc, options.logFile);
    live.add(managed);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const p of live) p.#signal('SIGKILL');
      });
    }
    return managed;
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** The exit, once the process has ended. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Throws (with the log tail) if the process has ended: for readiness polls. */
  assertRunning(): void {
    const exit = this.#exit;
    if (!exit) return;
    if (exit.error) throw exit.error;
    throw this.error(`exited early (${exit.signal ?? `code ${exit.code}`})`);
  }

  /**
   * Polls `probe` while the process runs until it answers truthy, at most `timeoutMs`; else throws
   * "not ready: …" with the log tail. The readiness wait of every peer the testkit spawns.
   */
  async ready(probe: () => boolean | Promise<boolean>, timeoutMs: number, options: { name: string; intervalMs?: number }): Promise<void> {
    try {
      await check(async () => {
        this.assertRunning();
        return probe();
      }, timeoutMs, options);
    } catch (err) {
      throw this.error(`not ready: ${(err as Error).message}`, err);
    }
  }

  /** The last `lines` lines of the log. */
  tail(lines = 30): string {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  }

  /** An error whose message names the process and ends with its log tail. */
  error(message: string, cause?: unknown): Error {
    const tail = this.tail();
    return new Error(`${this.name} [pid:${this.pid}]: ${message}${tail ? `\n--- ${this.logFile} (tail) ---\n${tail}` : ''}`, cause === undefined ? undefined : { cause });
  }

  /** Sends `signal` to the process group and waits for the exit; SIGKILL after `graceMs`. Idempotent. */
  async stop(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ProcessExit> {
    if (this.#exit) return this.#exit;
    this.#signal(options.signal ?? 'SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL'), options.graceMs ?? 3000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#proc.pid;
    if (pid === undefined || this.#exit) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.#proc.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}
