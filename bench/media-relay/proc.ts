// /proc readings and CPU pinning for bench/media-relay.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Pins every thread of `pid` to `core` (taskset -a). */
export function pin(pid: number, core: number): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${core} ${pid} failed: ${r.stderr || r.error?.message}`);
}

/** user + system CPU seconds of a process (all its threads), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * Write system calls of a process so far (write, writev and the like; /proc/<pid>/io `syscw`, all threads):
 * a count, so unlike CPU time the machine's load does not change it. 0 when unreadable.
 */
export function writeSyscalls(pid: number): number {
  try {
    return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Busy and total seconds of one core (busy = everything but idle and iowait), from /proc/stat. */
export function coreSeconds(core: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  if (!line) throw new Error(`no cpu${core} in /proc/stat`);
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - v[3]! - v[4]!) / ticksPerSecond, total: total / ticksPerSecond };
}

/** Direct children of `pid` (every thread's children file). */
export function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.add(Number(c));
    } catch {
      // thread gone
    }
  }
  return [...out];
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

/**
 * Waits (up to `maxMs`) for the 1-minute load average to fall to `threshold` or below; other engineers run
 * test suites on the machine. Returns the load when it gave up or was satisfied.
 */
export async function waitForQuiet(threshold: number, maxMs: number, log: (msg: string) => void): Promise<number> {
  const until = Date.now() + maxMs;
  let said = false;
  while (load1() > threshold && Date.now() < until) {
    if (!said) log(`  load average ${load1()} > ${threshold}: waiting up to ${Math.round(maxMs / 1000)} s for a quieter machine`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
  return load1();
}

/** CPU use of processes and cores over an interval. */
export class CpuMeter {
  readonly #pids: number[];
  readonly #cores: number[];
  #t0 = 0;
  #proc0: number[] = [];
  #core0: Array<{ busy: number; total: number }> = [];

  constructor(pids: number[], cores: number[]) {
    this.#pids = pids;
    this.#cores = cores;
  }

  start(): void {
    this.#t0 = performance.now();
    this.#proc0 = this.#pids.map(cpuSeconds);
    this.#core0 = this.#cores.map(coreSeconds);
  }

  /** Percent of one core per process, and busy percent per core, since start(). */
  stop(): { procs: number[]; cores: number[]; seconds: number } {
    const seconds = (performance.now() - this.#t0) / 1000;
    const procs = this.#pids.map((pid, i) => Math.round(((cpuSeconds(pid) - this.#proc0[i]!) / seconds) * 1000) / 10);
    const cores = this.#cores.map((core, i) => {
      const now = coreSeconds(core);
      const total = now.total - this.#core0[i]!.total;
      return total > 0 ? Math.round(((now.busy - this.#core0[i]!.busy) / total) * 1000) / 10 : 0;
    });
    return { procs, cores, seconds };
  }
}
