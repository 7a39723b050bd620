import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bdecode, bencode, type BencodeValue } from './bencode.ts';
import { freePort, freePortRange } from './freePorts.ts';
import { ManagedProcess } from './ManagedProcess.ts';
import type { RtpCounters, RtpengineCallStats, RtpengineOptions, RtpengineStream, RtpengineTotals } from './RtpengineTypes.ts';

type Dict = { [key: string]: BencodeValue };

const LOOPBACK = '127.0.0.1';

/**
 * rtpengine in userspace (no kernel forwarding) on loopback, with a private ng control port and RTP
 * port range, plus an ng protocol client (bencode over UDP) to read its counters:
 * `statistics()`/`totals()` for the whole daemon, `query(callId)` for one call (packets relayed per party).
 */
export class Rtpengine {
  readonly dir: string;
  /** The address it relays RTP on and answers ng commands at. */
  readonly host: string;
  readonly portMin: number;
  readonly portMax: number;
  readonly ngPort: number;
  #process: ManagedProcess | undefined;
  #socket: Promise<Socket> | undefined;
  #pending = new Map<string, { resolve: (v: Dict) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #seq = 0;

  private constructor(dir: string, host: string, portMin: number, portMax: number, ngPort: number) {
    this.dir = dir;
    this.host = host;
    this.portMin = portMin;
    this.portMax = portMax;
    this.ngPort = ngPort;
  }

  static async start(options: RtpengineOptions = {}): Promise<Rtpengine> {
    let { portMin, portMax } = options;
    if (portMin === undefined || portMax === undefined) {
      const range = await freePortRange(200);
      portMin ??= range.min;
      portMax ??= portMin + 199;
    }
    const ngPort = options.ngPort || (await freePort());
    const host = options.host ?? LOOPBACK;
    const engine = new Rtpengine(mkdtempSync(join(tmpdir(), 'ucs-rtpengine-')), host, portMin, portMax, ngPort);
    const args = [
      '--config-file=none',
      '--table=-1',
      `--interface=${host}`,
      `--listen-ng=${host}:${ngPort}`,
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      '--num-threads=1',
      `--delete-delay=${options.deleteDelay ?? 30}`,
      `--log-level=${options.logLevel ?? 6}`,
      '--log-stderr',
      '--foreground',
      `--pidfile=${join(engine.dir, 'rtpengine.pid')}`,
    ];
    engine.#process = ManagedProcess.spawn('rtpengine', 'rtpengine', args, { cwd: engine.dir, logFile: join(engine.dir, 'rtpengine.log'), netns: options.netns });
    try {
      await engine.#process.ready(async () => (await engine.ping(300)) === 'pong', options.readyTimeoutMs ?? 10_000, {
        name: `rtpengine ng ping on ${host}:${ngPort}`,
        intervalMs: 50,
      });
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  /** `udp:127.0.0.1:PORT` (its host), the form Kamailio's rtpengine_sock takes. */
  get ngSocket(): string {
    return `udp:${this.host}:${this.ngPort}`;
  }

  get process(): ManagedProcess | undefined {
    return this.#process;
  }

  /** Sends one ng command and returns the reply dictionary; rejects on `result: error` or timeout. */
  async ng(command: string, params: Dict = {}, timeoutMs = 2000): Promise<Dict> {
    const socket = await this.#client();
    const cookie = `${process.pid}_${randomBytes(3).toString('hex')}_${++this.#seq}`;
    const payload = Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...params, command })]);
    const reply = await new Promise<Dict>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cookie);
        reject(new Error(`rtpengine ng '${command}' timed out after ${timeoutMs} ms [ng:${this.host}:${this.ngPort}]`));
      }, timeoutMs);
      this.#pending.set(cookie, { resolve, reject, timer });
      socket.send(payload, this.ngPort, this.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.#pending.delete(cookie);
        reject(err);
      });
    });
    if (reply.result === 'error') {
      throw new Error(`rtpengine ng '${command}' failed: ${String(reply['error-reason'] ?? 'unknown reason')}`);
    }
    return reply;
  }

  /** 'pong' when alive. */
  async ping(timeoutMs = 2000): Promise<string> {
    const reply = await this.ng('ping', {}, timeoutMs);
    return String(reply.result);
  }

  /** Call-IDs of the calls rtpengine currently holds (including deleted ones within delete-delay). */
  async list(): Promise<string[]> {
    const reply = await this.ng('list');
    return Array.isArray(reply.calls) ? reply.calls.map(String) : [];
  }

  /** The raw `statistics` reply (currentstatistics, totalstatistics, controlstatistics, interfaces ...). */
  async statistics(): Promise<Dict> {
    const reply = await this.ng('statistics');
    return (reply.statistics ?? {}) as Dict;
  }

  /** The daemon-wide counters: sessions, relayed packets/bytes, offer/answer/delete counts. */
  async totals(): Promise<RtpengineTotals> {
    const stats = await this.statistics();
    const current = (stats.currentstatistics ?? {}) as Dict;
    const total = (stats.totalstatistics ?? {}) as Dict;
    const control = (stats.controlstatistics ?? {}) as Dict;
    const n = (d: Dict, k: string): number => Number(d[k] ?? 0);
    return {
      currentSessions: n(current, 'sessionsown') + n(current, 'sessionsforeign'),
      managedSessions: n(total, 'managedsessions'),
      relayedPackets: n(total, 'relayedpackets'),
      relayedBytes: n(total, 'relayedbytes'),
      relayedPacketErrors: n(total, 'relayedpacketerrors'),
      offers: n(control, 'totaloffercount'),
      answers: n(control, 'totalanswercount'),
      deletes: n(control, 'totaldeletecount'),
    };
  }

  /** One call's counters (`query`): totals and, per party, the packets rtpengine received from it. */
  async query(callId: string): Promise<RtpengineCallStats> {
    const reply = await this.ng('query', { 'call-id': callId });
    const totals = (reply.totals ?? {}) as Dict;
    const streams: RtpengineStream[] = [];
    const tags = (reply.tags ?? {}) as Dict;
    for (const [tag, value] of Object.entries(tags)) {
      const medias = ((value as Dict).medias ?? []) as Dict[];
      for (const media of medias) {
        for (const s of (media.streams ?? []) as Dict[]) {
          const endpoint = s.endpoint as Dict | undefined;
          const flags = (s.flags ?? []) as string[];
          streams.push({
            tag,
            media: String(media.type ?? ''),
            protocol: String(media.protocol ?? ''),
            localPort: Number(s['local port'] ?? 0),
            endpoint: endpoint ? { address: String(endpoint.address), port: Number(endpoint.port) } : undefined,
            rtcp: flags.includes('RTCP'),
            stats: counters(s.stats),
          });
        }
      }
    }
    return { callId, rtp: counters(totals.RTP), rtcp: counters(totals.RTCP), streams };
  }

  #client(): Promise<Socket> {
    this.#socket ??= this.#open();
    return this.#socket;
  }

  async #open(): Promise<Socket> {
    const socket = createSocket('udp4');
    socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      if (space < 0) return;
      const cookie = msg.toString('latin1', 0, space);
      const pending = this.#pending.get(cookie);
      if (!pending) return;
      this.#pending.delete(cookie);
      clearTimeout(pending.timer);
      try {
        pending.resolve(bdecode(msg.subarray(space + 1)) as Dict);
      } catch (err) {
        pending.reject(err as Error);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // on loopback when rtpengine is; any address when it runs in a TestNetwork host
      socket.bind(0, this.host === LOOPBACK ? LOOPBACK : undefined, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.unref();
    return socket;
  }

  /** Stops the daemon (SIGTERM, then SIGKILL) and waits for its exit. Idempotent. */
  async stop(): Promise<void> {
    for (const [cookie, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`rtpengine stopped with ng command ${cookie} pending`));
    }
    this.#pending.clear();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) (await socket.catch(() => undefined))?.close();
    await this.#process?.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (!process.env.TEST_KEEP_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

function counters(value: BencodeValue | undefined): RtpCounters {
  const d = (value ?? {}) as Dict;
  return { packets: Number(d.packets ?? 0), bytes: Number(d.bytes ?? 0), errors: Number(d.errors ?? 0) };
}
