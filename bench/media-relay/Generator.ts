// The C load generator (gen.c): compiled at run time into bench/.build/, started pinned to one core, driven
// line by line over stdin/stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = join(root, 'bench/media-relay/gen.c');
const binary = join(root, 'bench/.build/media-relay-gen');

/** The generator's figures for one measurement window (see report_window() in gen.c). */
export interface WindowReport {
  seconds: number;
  streams: number;
  sent: number;
  received: number;
  lost: number;
  lossPercent: number;
  txPps: number;
  rxPps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  over200Ms: number;
  deadStreams: number;
  misrouted: number;
  unknown: number;
  rtcp: number;
  txErrors: number;
  genCpuPercent: number;
  sendLateP99Us: number;
  sendLateMaxUs: number;
}

/** A video stream's shape: `burst` packets of `size` payload bytes every 20 ms. */
export interface VideoStream {
  size: number;
  burst: number;
}

/** About 1 Mbit/s: 2 packets of 1,200 bytes every 20 ms (100 packets/s). */
export const VIDEO_1MBIT: VideoStream = { size: 1200, burst: 2 };

/** The generator stream id of a call unit's video stream (audio uses 2i and 2i + 1, below 16,384). */
export const videoSid = (sid: number): number => 16_384 + sid;

export type SrtpProfile = 'SRTP_AEAD_AES_256_GCM' | 'SRTP_AES128_CM_SHA1_80';

/** Compiles gen.c with the system compiler when the binary is missing or older than the source. */
export function buildGenerator(): string {
  const stale = (() => {
    try {
      return statSync(binary).mtimeMs < statSync(source).mtimeMs;
    } catch {
      return true;
    }
  })();
  if (stale) {
    mkdirSync(join(root, 'bench/.build'), { recursive: true });
    const cc = process.env.CC ?? 'cc';
    const r = spawnSync(cc, ['-O2', '-Wall', '-Wno-deprecated-declarations', '-o', binary, source, '-lssl', '-lcrypto'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot compile ${source} with ${cc} (needs the OpenSSL headers, libssl-dev): ${r.stderr || r.error?.message}`);
  }
  return binary;
}

/** Endpoint i of the generator is 127.20.0.0 + i + 1 (on the generator's one port). */
export function endpointIp(i: number): string {
  const v = 0x7f140000 + i + 1;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export class Generator {
  readonly port: number;
  /** sha-256 fingerprint of the generator's DTLS certificate (one for every WebRTC endpoint). */
  readonly fingerprint: string;
  readonly #proc: ChildProcess;
  readonly #replies: string[] = [];
  #waiting: Array<(line: string) => void> = [];
  readonly #ice = new Map<number, { resolve: (suite: string) => void; reject: (err: Error) => void }>();
  #exited = false;
  /** Endpoints that reported ready after their attempt timed out, with their suite. */
  readonly #lateReady = new Map<number, string>();

  private constructor(proc: ChildProcess, port: number, fingerprint: string) {
    this.#proc = proc;
    this.port = port;
    this.fingerprint = fingerprint;
  }

  static async start(options: { core: number; srtp?: SrtpProfile }): Promise<Generator> {
    const bin = buildGenerator();
    const proc = spawn('taskset', ['-c', String(options.core), bin, '--srtp', options.srtp ?? 'SRTP_AEAD_AES_256_GCM'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = createInterface({ input: proc.stdout! });
    const hello = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`load generator exited (${code}) before saying hello`)));
    });
    const [, port, fingerprint] = hello.split(' ');
    const gen = new Generator(proc, Number(port), fingerprint!);
    rl.on('line', (line) => gen.#onLine(line));
    proc.once('exit', () => {
      gen.#exited = true;
      for (const w of gen.#ice.values()) w.reject(new Error('load generator exited'));
    });
    return gen;
  }

  get pid(): number {
    return this.#proc.pid!;
  }

  #onLine(line: string): void {
    if (line.startsWith('ready ') || line.startsWith('failed ')) {
      const [kind, ep, ...rest] = line.split(' ');
      const w = this.#ice.get(Number(ep));
      if (!w) {
        // An attempt given up a moment too early: the endpoint is keyed after all (see connectWebRtc).
        if (kind === 'ready') this.#lateReady.set(Number(ep), rest.join(' '));
        return;
      }
      this.#ice.delete(Number(ep));
      if (kind === 'ready') w.resolve(rest.join(' '));
      else w.reject(new Error(`ICE/DTLS of generator endpoint ${ep} failed: ${rest.join(' ')}`));
      return;
    }
    const w = this.#waiting.shift();
    if (w) w(line);
    else this.#replies.push(line);
  }

  #command(line: string): Promise<string> {
    if (this.#exited) return Promise.reject(new Error('load generator exited'));
    const reply = new Promise<string>((resolve) => this.#waiting.push(resolve));
    this.#proc.stdin!.write(`${line}\n`);
    return reply;
  }

  /**
   * Runs ICE (a Binding request with USE-CANDIDATE) and the DTLS handshake (client) of endpoint `ep`
   * against a WebRTC server; resolves with the SRTP suite once keyed. Bounded: an attempt that neither
   * succeeds nor fails within `timeoutMs` (gen.c retransmits STUN every 250 ms, DTLS flights at most 1 s
   * apart) is abandoned, the endpoint reset and the whole ICE + DTLS run again, `attempts` times in all;
   * then it rejects, saying how often and how long it tried. A retry succeeds when the server had not
   * got far into DTLS (a lost ICE check or first flight); a server mid-handshake with the abandoned
   * attempt may refuse the new one, which then fails fast instead of stalling the run.
   */
  async connectWebRtc(ep: number, server: { ip: string; port: number; ufrag: string; pwd: string }, localUfrag: string, options: { timeoutMs?: number; attempts?: number } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const attempts = Math.max(1, options.attempts ?? 2);
    const errors: string[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        this.#lateReady.delete(ep);
        return await this.#handshake(ep, server, localUfrag, timeoutMs);
      } catch (err) {
        errors.push((err as Error).message);
        if (this.#exited) break;
        const r = await this.#command(`reset ${ep}`);
        if (r === 'error ready') return this.#lateReady.get(ep) ?? 'unknown';
        if (r !== 'ok') throw new Error(`generator endpoint ${ep}: reset refused (${r}) after ${errors.join('; ')}`);
      }
    }
    throw new Error(`ICE/DTLS of generator endpoint ${ep} not done after ${errors.length} attempt(s): ${errors.join('; ')}`);
  }

  #handshake(ep: number, server: { ip: string; port: number; ufrag: string; pwd: string }, localUfrag: string, timeoutMs: number): Promise<string> {
    if (this.#exited) return Promise.reject(new Error('load generator exited'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#ice.delete(ep);
        reject(new Error(`no ready/failed within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#ice.set(ep, {
        resolve: (suite) => (clearTimeout(timer), resolve(suite)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      this.#proc.stdin!.write(`ice ${ep} ${server.ip} ${server.port} ${server.ufrag} ${server.pwd} ${localUfrag}\n`);
    });
  }

  /**
   * Stream `sid`: from endpoint `src` to `dst`, expected to arrive at endpoint `expect`; starts at once. With
   * `video`, `burst` packets of `size` payload bytes per 20 ms, VP8-marked as key frames (see gen.c).
   */
  async stream(sid: number, src: number, dst: { ip: string; port: number }, ssrc: number, payloadType: number, expect: number, video?: VideoStream): Promise<void> {
    const r = await this.#command(`stream ${sid} ${src} ${dst.ip} ${dst.port} ${ssrc >>> 0} ${payloadType} ${expect}${video ? ` ${video.size} ${video.burst}` : ''}`);
    if (r !== 'ok') throw new Error(`generator refused stream ${sid}: ${r}`);
  }

  async stop(sid: number): Promise<void> {
    await this.#command(`stop ${sid}`);
  }

  async measure(): Promise<void> {
    await this.#command('measure');
  }

  /** Closes the window; the report comes after a 500 ms grace for packets in flight. */
  async report(): Promise<WindowReport> {
    const line = await this.#command('report');
    if (!line.startsWith('report ')) throw new Error(`unexpected generator reply '${line}'`);
    return JSON.parse(line.slice(7)) as WindowReport;
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.stdin!.write('quit\n');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (!this.#exited) this.#proc.kill('SIGKILL');
  }
}
