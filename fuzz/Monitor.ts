// Between batches: is every service process alive and /healthz answering, its RSS (VmRSS of
// /proc/<pid>/status) and the size of its log file. A crash is an exit or a failing /healthz.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { ServiceSample, ServiceStats } from './types.ts';

export interface MonitoredService {
  name: string;
  pid(): number | undefined;
  running(): boolean;
  logFile: string;
  /** /healthz URL, for our Node services. */
  healthUrl?: string;
}

/** VmRSS in KiB from /proc/<pid>/status text; undefined when absent. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export class Monitor {
  readonly #services: MonitoredService[];
  readonly #stats = new Map<string, ServiceStats>();
  /** Services seen dead or unhealthy, with when and why. */
  readonly crashes: Array<{ service: string; afterInputs: number; reason: string }> = [];

  constructor(services: MonitoredService[]) {
    this.#services = services;
  }

  async sample(afterInputs: number): Promise<ServiceSample[]> {
    const out: ServiceSample[] = [];
    for (const s of this.#services) {
      const alive = s.running();
      let healthy = alive;
      if (alive && s.healthUrl) {
        healthy = await fetch(s.healthUrl, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
      }
      const sample: ServiceSample = { name: s.name, pid: s.pid(), alive, healthy, rssKiB: alive ? rssOf(s.pid()) : undefined, logBytes: sizeOf(s.logFile) };
      out.push(sample);
      let st = this.#stats.get(s.name);
      if (!st) {
        st = { name: s.name, rssStartKiB: sample.rssKiB, rssEndKiB: sample.rssKiB, rssMaxKiB: sample.rssKiB, logStartBytes: sample.logBytes, logEndBytes: sample.logBytes, crashes: 0 };
        this.#stats.set(s.name, st);
      }
      if (sample.rssKiB !== undefined) {
        st.rssEndKiB = sample.rssKiB;
        st.rssMaxKiB = Math.max(st.rssMaxKiB ?? 0, sample.rssKiB);
      }
      st.logEndBytes = sample.logBytes;
      if (!healthy) {
        const already = this.crashes.some((c) => c.service === s.name);
        if (!already) {
          st.crashes += 1;
          this.crashes.push({ service: s.name, afterInputs, reason: alive ? '/healthz failing' : 'process exited' });
        }
      }
    }
    return out;
  }

  stats(): ServiceStats[] {
    return [...this.#stats.values()];
  }
}

/** Error-level records (pino level ≥ 50) in JSON log text, by message (with the error's first words). */
export function errorRecords(text: string): { count: number; top: Array<[message: string, count: number]> } {
  const byMessage = new Map<string, number>();
  let count = 0;
  for (const line of text.split('\n')) {
    if (!/^\{"level":(5|6)0,/.test(line)) continue;
    count += 1;
    let key = line.slice(0, 120);
    try {
      const j = JSON.parse(line) as { msg?: string; err?: { message?: string } | string };
      const err = typeof j.err === 'string' ? j.err : j.err?.message;
      key = `${j.msg ?? ''}${err ? `: ${err.slice(0, 80)}` : ''}`;
    } catch {
      // a truncated last line: counted under its first characters
    }
    byMessage.set(key, (byMessage.get(key) ?? 0) + 1);
  }
  return { count, top: [...byMessage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5) };
}

/** The text of `file` from byte `from` on (at most `max` bytes). */
export function readFrom(file: string, from: number, max = 256 * 1024 * 1024): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = Math.min(statSync(file).size - from, max);
    if (size <= 0) return '';
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, from);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
