import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRange } from './freePorts.ts';
import { ManagedProcess } from './ManagedProcess.ts';
import { encodeWav, readWav } from './tones.ts';
import type { BaresipEvent, BaresipEvents, BaresipEventType, BaresipOptions, BaresipRecording } from './BaresipTypes.ts';

const HOST = '127.0.0.1';
const MODULES = '/usr/lib/baresip/modules';

interface Pending {
  resolve: (data: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  command: string;
}

/**
 * The desk phone: baresip 1.x headless (no audio device: aufile plays a WAV, aubridge swallows the
 * playback, sndfile records), registered at the PBX, driven through ctrl_tcp (netstring JSON commands,
 * typed events). Its own config dir, SIP port, ctrl port and RTP range, all on 127.0.0.1.
 */
export class Baresip extends EventEmitter<BaresipEvents> {
  readonly dir: string;
  readonly user: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** Every event received, in order. */
  readonly events: BaresipEvent[] = [];
  #aor: string;
  #process: ManagedProcess | undefined;
  #socket: Socket | undefined;
  #buffer = Buffer.alloc(0);
  #pending = new Map<string, Pending>();
  #token = 0;
  #cursor = 0;
  #closed = false;

  private constructor(dir: string, user: string, aor: string, sipPort: number, ctrlPort: number) {
    super();
    this.dir = dir;
    this.user = user;
    this.#aor = aor;
    this.sipPort = sipPort;
    this.ctrlPort = ctrlPort;
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    const registrar = typeof options.registrar === 'string' ? options.registrar : `${options.registrar.host}:${options.registrar.port}`;
    const domain = options.domain ?? (typeof options.registrar === 'string' ? undefined : options.registrar.domain) ?? registrar;
    const transport = options.transport ?? 'udp';
    const dir = mkdtempSync(join(tmpdir(), 'ucs-baresip-'));
    // baresip also listens for SIP/TLS on the SIP port + 1: keep that one free too
    const sipPort = await freePort({ udp: true, tcp: true, count: 2 });
    let ctrlPort = await freePort({ udp: false, tcp: true });
    while (ctrlPort === sipPort || ctrlPort === sipPort + 1) ctrlPort = await freePort({ udp: false, tcp: true });
    const rtp = options.rtpPorts ?? (await freePortRange(20));
    const recordings = join(dir, 'recordings');
    mkdirSync(recordings);

    const device = `ucs${sipPort}`;
    let source = `aubridge,${device}`;
    if (!options.echo) {
      const file = join(dir, 'source.wav');
      writeFileSync(file, encodeWav(sourceSamples(options.playWav, options.audioSeconds ?? 120), { sampleRate: 8000 }));
      source = `aufile,${file}`;
    }
    const config = [
      'poll_method epoll',
      `sip_listen ${HOST}:${sipPort}`,
      `net_interface ${HOST}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      `audio_player aubridge,${device}`,
      `audio_alert aubridge,${device}alert`,
      `audio_source ${source}`,
      'ausrc_srate 8000',
      'auplay_srate 8000',
      'ausrc_channels 1',
      'auplay_channels 1',
      `rtp_ports ${rtp.min}-${rtp.max}`,
      'rtcp_mux no',
      'jitter_buffer_delay 1-10',
      `module_path ${MODULES}`,
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      ...(options.recordWav ? ['module sndfile.so', `snd_path ${recordings}`] : []),
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen ${HOST}:${ctrlPort}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config'), config);
    const params = [
      `auth_pass=${options.password}`,
      `answermode=${options.answerMode ?? 'auto'}`,
      `regint=${options.regint ?? 600}`,
      'audio_codecs=PCMU,PCMA',
    ];
    if (domain !== registrar) params.push(`outbound="sip:${registrar};transport=${transport}"`);
    const aor = `sip:${options.user}@${domain}`;
    writeFileSync(join(dir, 'accounts'), `<${aor};transport=${transport}>;${params.join(';')}\n`);
    writeFileSync(join(dir, 'contacts'), '');

    const phone = new Baresip(dir, options.user, aor, sipPort, ctrlPort);
    phone.#process = ManagedProcess.spawn(`baresip ${options.user}`, 'baresip', ['-f', dir], { cwd: dir, logFile: join(dir, 'baresip.log') });
    try {
      const timeoutMs = options.readyTimeoutMs ?? 10_000;
      await phone.#process.ready(async () => {
        await phone.#connect();
        return true;
      }, timeoutMs, { name: `baresip ctrl_tcp on ${HOST}:${ctrlPort}`, intervalMs: 50 });
      await phone.#process.ready(async () => {
        const failed = phone.events.find((e) => e.type === 'REGISTER_FAIL');
        if (failed) throw new Error(`registration failed: ${failed.param ?? ''}`);
        return /(\x1b\[32m|\s)OK\b/.test(await phone.command('reginfo'));
      }, timeoutMs, { name: `baresip ${aor} registered at ${registrar}`, intervalMs: 100 });
    } catch (err) {
      await phone.dispose();
      throw err;
    }
    return phone;
  }

  /** The account's address of record, e.g. `sip:200@127.0.0.1:5060`. */
  get aor(): string {
    return this.#aor;
  }

  get process(): ManagedProcess | undefined {
    return this.#process;
  }

  /** Sends a ctrl_tcp command (a menu command: dial, accept, hangup, reginfo, listcalls ...); resolves with its text. */
  command(command: string, params?: string, timeoutMs = 5000): Promise<string> {
    const socket = this.#socket;
    if (!socket || this.#closed) return Promise.reject(new Error(`baresip ${this.user}: ctrl_tcp not connected [command:${command}]`));
    const token = String(++this.#token);
    const json = Buffer.from(JSON.stringify(params === undefined ? { command, token } : { command, params, token }));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip ${this.user}: no response to '${command}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(token, { resolve, reject, timer, command });
      socket.write(Buffer.concat([Buffer.from(`${json.length}:`), json, Buffer.from(',')]));
    });
  }

  /** Calls `uri` (e.g. `sip:101@127.0.0.1:5060`). */
  async dial(uri: string): Promise<void> {
    await this.command('dial', uri);
  }

  /** Answers the incoming call (answerMode 'manual'). */
  async accept(): Promise<void> {
    await this.command('accept');
  }

  /** Hangs up the current call. */
  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /**
   * Waits (bounded) for the next event of `type` (optionally matching `filter`) that no earlier
   * waitFor() returned: events are searched from a cursor that moves past each match, so consecutive
   * waits walk forward through the history and events that arrived before the call are not missed.
   */
  waitFor(type: BaresipEventType, options: { timeoutMs?: number; filter?: (e: BaresipEvent) => boolean } = {}): Promise<BaresipEvent> {
    const matches = (e: BaresipEvent): boolean => e.type === type && (!options.filter || options.filter(e));
    for (let i = this.#cursor; i < this.events.length; i++) {
      if (matches(this.events[i]!)) {
        this.#cursor = i + 1;
        return Promise.resolve(this.events[i]!);
      }
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<BaresipEvent>((resolve, reject) => {
      const onEvent = (e: BaresipEvent): void => {
        if (!matches(e)) return;
        clearTimeout(timer);
        this.off('event', onEvent);
        this.#cursor = this.events.indexOf(e) + 1;
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        const seen = this.events.slice(this.#cursor).map((e) => e.type).join(', ') || 'none';
        reject(new Error(`baresip ${this.user}: no ${type} event within ${timeoutMs} ms (events since the last match: ${seen})`));
      }, timeoutMs);
      this.on('event', onEvent);
    });
  }

  /** The recorded calls (recordWav), oldest first. Files of calls within the same second overwrite each other. */
  recordings(): BaresipRecording[] {
    const dir = join(this.dir, 'recordings');
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith('-dec.wav'))
      .sort()
      .map((f) => ({ received: join(dir, f), sent: join(dir, f.replace(/-dec\.wav$/, '-enc.wav')) }));
  }

  /** Quits baresip (unregistering first) and waits for the exit; SIGTERM/SIGKILL if it hangs. Idempotent. */
  async stop(): Promise<void> {
    const proc = this.#process;
    if (proc?.running && this.#socket && !this.#closed) {
      await this.command('quit', undefined, 1000).catch(() => undefined);
      await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.#close();
    await proc?.stop({ graceMs: 2000 });
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (!process.env.TEST_KEEP_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`baresip ${this.user}: closed with '${p.command}' pending`));
    }
    this.#pending.clear();
    this.#socket?.destroy();
  }

  #connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.ctrlPort, HOST);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        socket.on('data', (d) => this.#onData(d));
        socket.on('close', () => {
          if (this.#socket === socket) this.#close();
        });
        this.#socket = socket;
        resolve();
      });
    });
  }

  #onData(data: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    for (;;) {
      const colon = this.#buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.#buffer.toString('latin1', 0, colon));
      if (!Number.isInteger(length)) {
        this.#buffer = Buffer.alloc(0); // lost framing: drop what we have
        return;
      }
      if (this.#buffer.length < colon + 1 + length + 1) return;
      const json = this.#buffer.toString('utf8', colon + 1, colon + 1 + length);
      this.#buffer = this.#buffer.subarray(colon + 2 + length);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (message.response) {
        const token = String(message.token ?? '');
        const pending = this.#pending.get(token);
        if (!pending) continue;
        this.#pending.delete(token);
        clearTimeout(pending.timer);
        if (message.ok === false) pending.reject(new Error(`baresip ${this.user}: '${pending.command}' failed: ${String(message.data ?? '')}`));
        else pending.resolve(String(message.data ?? ''));
      } else if (message.event) {
        const event = message as unknown as BaresipEvent;
        this.events.push(event);
        this.emit('event', event);
      }
    }
  }
}

/** The audio source: `wav` (or silence) repeated to `seconds` at 8 kHz mono. */
function sourceSamples(wav: string | undefined, seconds: number): Int16Array {
  const out = new Int16Array(Math.max(1, Math.round(seconds * 8000)));
  if (!wav) return out;
  const decoded = readWav(wav);
  if (decoded.sampleRate !== 8000) {
    throw new Error(`Baresip playWav ${wav}: ${decoded.sampleRate} Hz; baresip's aufile needs 8000 Hz (tones.writeToneWav's default)`);
  }
  if (decoded.samples.length === 0) return out;
  for (let at = 0; at < out.length; at += decoded.samples.length) out.set(decoded.samples.subarray(0, out.length - at), at);
  return out;
}
