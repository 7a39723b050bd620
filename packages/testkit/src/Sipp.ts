import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { check } from './check.ts';
import { freePort } from './freePorts.ts';
import { pbxDir } from './Kamailio.ts';
import { ManagedProcess } from './ManagedProcess.ts';
import { parseSippMessageLog, type SipMessage } from './sipMessages.ts';
import type { SippOptions, SippResult, SippStats } from './SippTypes.ts';

const HOST = '127.0.0.1';

/**
 * One SIPp run on loopback (-i/-mi/-ci 127.0.0.1) with its own working directory, message trace and
 * statistics. `Sipp.run()` waits for the end; `Sipp.start()` returns once SIPp has bound its SIP port
 * (a UAS waiting for calls) and `done` resolves at the end.
 */
export class Sipp {
  readonly dir: string;
  readonly localPort: number;
  readonly done: Promise<SippResult>;
  #process: ManagedProcess;
  #timer: NodeJS.Timeout;

  private constructor(dir: string, localPort: number, proc: ManagedProcess, timeoutMs: number) {
    this.dir = dir;
    this.localPort = localPort;
    this.#process = proc;
    this.#timer = setTimeout(() => void proc.stop({ signal: 'SIGKILL' }), timeoutMs + 2000);
    this.done = proc.exited.then((exit) => {
      clearTimeout(this.#timer);
      if (exit.error) throw exit.error;
      return this.#result(exit.code);
    });
    // a run nobody awaits must not become an unhandled rejection
    this.done.catch(() => undefined);
  }

  /** Runs the scenario to its end and returns exit code, statistics and messages. */
  static async run(options: SippOptions): Promise<SippResult> {
    const sipp = await Sipp.start(options);
    try {
      return await sipp.done;
    } finally {
      sipp.#cleanup();
    }
  }

  /** Starts SIPp and resolves once its SIP port is bound (bounded wait); see `done`. */
  static async start(options: SippOptions): Promise<Sipp> {
    const scenario = scenarioPath(options.scenario);
    const dir = mkdtempSync(join(tmpdir(), 'ucs-sipp-'));
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
    const localPort = options.localPort && options.localPort > 0 ? options.localPort : await freePort({ tcp: options.transport === 'tcp' });
    const timeoutMs = options.timeoutMs ?? 20_000;
    const args: string[] = [];
    if (options.target) args.push(typeof options.target === 'string' ? options.target : `${options.target.host}:${options.target.port}`);
    args.push(
      '-sf', scenario,
      '-i', HOST, '-mi', HOST, '-ci', HOST,
      '-p', String(localPort),
      '-m', String(options.calls ?? 1),
      '-t', options.transport === 'tcp' ? 't1' : 'u1',
      '-nostdin',
      '-trace_msg', '-message_file', join(dir, 'messages.log'),
      '-trace_err', '-error_file', join(dir, 'errors.log'),
      '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1',
      '-timeout', `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`, '-timeout_error',
    );
    if (options.service !== undefined) args.push('-s', options.service);
    if (options.auth) args.push('-au', options.auth.user, '-ap', options.auth.password);
    if (options.rate !== undefined) args.push('-r', String(options.rate));
    if (options.limit !== undefined) args.push('-l', String(options.limit));
    for (const [name, value] of Object.entries(options.vars ?? {})) args.push('-set', name, String(value));
    args.push(...(options.args ?? []));

    const proc = ManagedProcess.spawn(`sipp ${options.scenario}`, 'sipp', args, { cwd: dir, logFile: join(dir, 'sipp.log') });
    const sipp = new Sipp(dir, localPort, proc, timeoutMs);
    try {
      await check(async () => {
        if (!proc.running) return true; // ended already (fast run or error): `done` tells
        return portBound(localPort, options.transport ?? 'udp');
      }, 5000, { name: `sipp (${options.scenario}) bound to ${HOST}:${localPort}`, intervalMs: 20 });
    } catch (err) {
      await proc.stop({ signal: 'SIGKILL' });
      throw proc.error((err as Error).message, err);
    }
    return sipp;
  }

  get process(): ManagedProcess {
    return this.#process;
  }

  /** The messages traced so far (while the run goes on). */
  messages(): SipMessage[] {
    const file = join(this.dir, 'messages.log');
    return existsSync(file) ? parseSippMessageLog(readFileSync(file, 'utf8')) : [];
  }

  /** Waits (bounded) for a traced message matching `predicate`; fails at once if SIPp has ended without it. */
  async waitForMessage(predicate: (m: SipMessage) => boolean, timeoutMs = 5000, name = 'a SIP message'): Promise<SipMessage> {
    try {
      const found = await check(() => {
        const running = this.#process.running;
        return this.messages().find(predicate) ?? (running ? undefined : 'ended');
      }, timeoutMs, { name: `${name} in sipp's trace` });
      if (found === 'ended') throw new Error(`sipp ended (${this.#process.exit?.signal ?? `exit ${this.#process.exit?.code}`}) without ${name}`);
      return found;
    } catch (err) {
      const seen = this.messages().map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.startLine}`).join('\n');
      throw this.#process.error(`${(err as Error).message}\n--- messages so far ---\n${seen || '(none)'}`, err);
    }
  }

  /** Kills SIPp if it still runs and waits for the exit. Idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#process.stop({ signal: 'SIGTERM', graceMs: 1000 });
  }

  /** stop() and remove the working directory (unless TEST_KEEP_DIRS). */
  async dispose(): Promise<void> {
    await this.stop();
    this.#cleanup();
  }

  #cleanup(): void {
    if (!process.env.TEST_KEEP_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }

  #result(exitCode: number | null): SippResult {
    const read = (name: string): string => {
      try {
        return readFileSync(join(this.dir, name), 'utf8');
      } catch {
        return '';
      }
    };
    const stats = parseStats(read('stats.csv'));
    const errors = read('errors.log').trim();
    const log = [this.#process.tail(15), errors ? `--- errors.log ---\n${errors.split('\n').slice(-15).join('\n')}` : ''].filter(Boolean).join('\n');
    return {
      exitCode,
      ok: exitCode === 0,
      stats,
      messages: parseSippMessageLog(read('messages.log')),
      localPort: this.localPort,
      dir: this.dir,
      log,
    };
  }
}

function scenarioPath(scenario: string): string {
  if (scenario.endsWith('.xml') || isAbsolute(scenario)) return scenario;
  const path = join(pbxDir, 'sipp', `${scenario}.xml`);
  if (!existsSync(path)) throw new Error(`Sipp: no scenario '${scenario}' in ${join(pbxDir, 'sipp')}`);
  return path;
}

/**
 * Whether something listens on 127.0.0.1/0.0.0.0:`port`, read from /proc/net (binding a probe socket
 * instead would race with SIPp's own bind and make it fail).
 */
function portBound(port: number, transport: 'udp' | 'tcp'): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of transport === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    let table: string;
    try {
      table = readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local?.endsWith(`:${hexPort}`)) continue;
      if (transport === 'udp' || cols[3] === '0A') return true;
    }
  }
  return false;
}

/** The last row of SIPp's -trace_stat CSV, cumulative columns. */
export function parseStats(csv: string): SippStats | undefined {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const raw: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name.endsWith('(C)')) raw[name.slice(0, -3)] = values[i] ?? '';
  });
  const n = (k: string): number => Number(raw[k] ?? 0) || 0;
  return {
    created: n('OutgoingCall') + n('IncomingCall'),
    successful: n('SuccessfulCall'),
    failed: n('FailedCall'),
    retransmissions: n('Retransmissions'),
    failedUnexpectedMessage: n('FailedUnexpectedMessage'),
    failedTimeoutOnRecv: n('FailedTimeoutOnRecv'),
    failedMaxUdpRetrans: n('FailedMaxUDPRetrans'),
    raw,
  };
}
