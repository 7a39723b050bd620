import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaptureInfo, captureClockUs, type CaptureStopReason, type Logger } from '@ucserver/shared';
import { CaptureNotFoundError, CaptureRunningError, CaptureTooLargeError, CaptureTooManyError } from '../errors.ts';
import { CallCapture } from './CallCapture.ts';
import { CAPTURE_INTERFACES, type CaptureSubject } from './CallCaptureTypes.ts';
import { CaptureFile } from './CaptureFile.ts';
import type { CaptureStartOptions, CaptureStoreOptions } from './CaptureStoreTypes.ts';
import { mergeSip } from './mergeSip.ts';

interface Running {
  info: CaptureInfo;
  file: CaptureFile;
  capture: CallCapture;
  timer: NodeJS.Timeout;
  stopping?: Promise<CaptureInfo>;
  /** The node's counters when the capture began following the call. */
  baseline?: Map<string, { id: string; packets: number }>;
  /** The node's counters just before the call was closed (see callClosing). */
  final?: Map<string, { id: string; packets: number }>;
}

/**
 * The node's captures: the running ones (one per call, at most `maxConcurrent`), and the stored files
 * under `dir`, each `<captureId>.pcapng` with its `<captureId>.json` (CaptureInfo). A capture stops on
 * request, when its call ends, at its duration or size limit, or when its file fails; a stopped capture
 * gets the call's SIP messages merged in. Stored captures older than the retention are swept.
 */
export class CaptureStore {
  readonly #options: CaptureStoreOptions;
  readonly #logger: Logger;
  readonly #clock: () => bigint;
  readonly #running = new Map<string, Running>();
  /** Stopped captures by id: what list() reports even when their .json could not be written (disk full). */
  readonly #finished = new Map<string, CaptureInfo>();

  constructor(options: CaptureStoreOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'capture' });
    this.#clock = options.clock ?? captureClockUs;
    mkdirSync(options.dir, { recursive: true });
  }

  get runningCount(): number {
    return this.#running.size;
  }

  isRunning(callId: string): boolean {
    return this.#running.has(callId);
  }

  /** Starts capturing a call; the file exists when this resolves. */
  async start(subject: CaptureSubject, options: CaptureStartOptions): Promise<CaptureInfo> {
    const callId = subject.id;
    if (this.#running.has(callId)) throw new CaptureRunningError(`a capture of this call is running already [callId:${callId}]`);
    if (this.#running.size >= this.#options.maxConcurrent) throw new CaptureTooManyError(`${this.#running.size} captures run already (CAPTURE_MAX_CONCURRENT=${this.#options.maxConcurrent}) [callId:${callId}]`);
    const maxSeconds = options.maxSeconds ?? this.#options.maxSeconds;
    const maxBytes = options.maxBytes ?? this.#options.maxBytes;
    if (maxSeconds > this.#options.maxSeconds) throw new CaptureTooLargeError(`maxSeconds ${maxSeconds} exceeds CAPTURE_MAX_SECONDS=${this.#options.maxSeconds}`);
    if (maxBytes > this.#options.maxBytes) throw new CaptureTooLargeError(`maxBytes ${maxBytes} exceeds CAPTURE_MAX_BYTES=${this.#options.maxBytes}`);
    const captureId = `${Date.now()}-${randomUUID().slice(0, 8)}`;
    const file = await CaptureFile.create({
      path: this.#pcapPath(captureId),
      application: `ucserver media node ${this.#options.nodeId}, call ${callId}`,
      maxBytes,
      interfaces: [...CAPTURE_INTERFACES],
    });
    const info: CaptureInfo = {
      captureId, callId, nodeId: this.#options.nodeId, state: 'running', stopReason: null, error: null, startedBy: options.startedBy,
      startedAt: Date.now(), stoppedAt: null, maxSeconds, maxBytes, bytes: 0, packets: 0, interfaces: {}, nodePackets: null, endpoints: {},
    };
    const capture = new CallCapture(file, { subject, logger: this.#logger.child({ callId, captureId }), clock: this.#clock });
    const timer = setTimeout(() => this.#stopInBackground(callId, 'duration-limit'), maxSeconds * 1000);
    timer.unref();
    const running: Running = { info, file, capture, timer };
    this.#running.set(callId, running);
    file.on('full', () => this.#stopInBackground(callId, 'size-limit'));
    file.on('failed', (err) => {
      this.#logger.error({ callId, captureId, err: err.message }, 'capture file failed; the capture stops, the call goes on');
      this.#stopInBackground(callId, 'write-failed');
    });
    await this.#saveInfo(info).catch((err: unknown) => this.#logger.warn({ captureId, err: (err as Error).message }, 'capture info not written'));
    this.#logger.info({ callId, captureId, startedBy: options.startedBy, maxSeconds, maxBytes }, 'capture started');
    await capture.sync();
    running.baseline = await capture.nodeCounts().catch(() => undefined);
    return this.#snapshot(running);
  }

  /** The call's producers changed: its running capture follows. */
  sync(callId: string): void {
    void this.#running.get(callId)?.capture.sync();
  }

  /** Stops the call's running capture and completes its file. */
  stop(callId: string, reason: CaptureStopReason = 'requested'): Promise<CaptureInfo> {
    const running = this.#running.get(callId);
    if (!running) return Promise.reject(new CaptureNotFoundError(`no capture of this call is running [callId:${callId}]`));
    running.stopping ??= this.#finish(running, reason);
    return running.stopping;
  }

  /** The call is about to be closed by command: its capture reads the node's counters while they exist. */
  async callClosing(callId: string): Promise<void> {
    // A Direct Media partner's capture counts what crosses the link with this call's Producer: it reads
    // its counters now too, while that Producer exists.
    const readers = [...this.#running.values()].filter((r) => !r.stopping && (r.info.callId === callId || r.capture.onDirectMedia));
    await Promise.all(readers.map(async (r) => {
      const now = await r.capture.nodeCounts().catch(() => undefined);
      // Later readings win; a stream gone meanwhile keeps its last one.
      if (now) r.final = new Map([...(r.final ?? []), ...now]);
    }));
  }

  /** The call ended: its running capture stops (after the last SIP messages had time to arrive). */
  callEnded(callId: string): void {
    if (this.#running.has(callId)) this.#stopInBackground(callId, 'call-ended');
  }

  /** Stops every running capture (node shutdown). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#running.keys()].map((id) => this.stop(id, 'node-stopping')));
  }

  /** Running and stored captures, newest first. */
  async list(callId?: string): Promise<CaptureInfo[]> {
    const out = new Map<string, CaptureInfo>();
    for (const name of await readdir(this.#options.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const info = CaptureInfo.parse(JSON.parse(await readFile(join(this.#options.dir, name), 'utf8')));
        out.set(info.captureId, info);
      } catch (err) {
        this.#logger.debug({ file: name, err: (err as Error).message }, 'unreadable capture info skipped');
      }
    }
    for (const info of this.#finished.values()) out.set(info.captureId, info);
    for (const r of this.#running.values()) out.set(r.info.captureId, this.#snapshot(r));
    return [...out.values()].filter((i) => callId === undefined || i.callId === callId).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** A chunk of a stopped capture's file. */
  async read(captureId: string, offset: number, length: number): Promise<{ data: Buffer; total: number }> {
    const info = await this.#stored(captureId);
    if (info.state === 'running') throw new CaptureRunningError(`capture ${captureId} is still running; stop it first [callId:${info.callId}]`);
    const handle = await open(this.#pcapPath(captureId), 'r').catch((err: unknown) => {
      throw new CaptureNotFoundError(`capture file ${captureId} is gone: ${(err as Error).message}`);
    });
    try {
      const total = (await handle.stat()).size;
      const data = Buffer.alloc(Math.max(0, Math.min(length, total - offset)));
      if (data.length > 0) await handle.read(data, 0, data.length, offset);
      return { data, total };
    } finally {
      await handle.close();
    }
  }

  /** Deletes a stopped capture. */
  async delete(captureId: string): Promise<void> {
    const info = await this.#stored(captureId);
    if (info.state === 'running') throw new CaptureRunningError(`capture ${captureId} is still running; stop it first [callId:${info.callId}]`);
    await rm(this.#pcapPath(captureId), { force: true });
    await rm(this.#infoPath(captureId), { force: true });
    this.#finished.delete(captureId);
    this.#logger.info({ captureId, callId: info.callId }, 'capture deleted');
  }

  /** Deletes stopped captures older than the retention; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const info of await this.list()) {
      if (info.state === 'running' || (info.stoppedAt ?? info.startedAt) > now - this.#options.retentionMs) continue;
      await this.delete(info.captureId).then(() => (removed += 1), (err: unknown) => this.#logger.warn({ captureId: info.captureId, err: (err as Error).message }, 'expired capture not deleted'));
    }
    return removed;
  }

  async #stored(captureId: string): Promise<CaptureInfo> {
    for (const r of this.#running.values()) if (r.info.captureId === captureId) return this.#snapshot(r);
    const finished = this.#finished.get(captureId);
    if (finished) return finished;
    try {
      return CaptureInfo.parse(JSON.parse(await readFile(this.#infoPath(captureId), 'utf8')));
    } catch {
      throw new CaptureNotFoundError(`no stored capture ${captureId}`);
    }
  }

  #stopInBackground(callId: string, reason: CaptureStopReason): void {
    this.stop(callId, reason).catch((err: unknown) => this.#logger.warn({ callId, reason, err: (err as Error).message }, 'capture stop failed'));
  }

  async #finish(running: Running, reason: CaptureStopReason): Promise<CaptureInfo> {
    const { info, file, capture } = running;
    clearTimeout(running.timer);
    if (reason === 'call-ended') await new Promise((r) => setTimeout(r, this.#options.sipSettleMs ?? 500));
    // The counters first, then the consumers close: a packet in flight meanwhile is in the file only.
    const end = reason === 'call-ended' ? running.final : await capture.nodeCounts().catch(() => undefined);
    capture.close();
    let nodePackets: Record<string, number> | null = null;
    if (end && running.baseline) {
      // A stream that existed when the capture started counts from there; one created later (the call
      // was ringing, or a re-INVITE replaced it) from 0; one replaced under another key is left out.
      const startIds = new Set([...running.baseline.values()].map((b) => b.id));
      nodePackets = {};
      for (const [key, now] of end) {
        const then = running.baseline.get(key);
        if (then?.id === now.id) nodePackets[key] = now.packets - then.packets;
        else if (!startIds.has(now.id) && then === undefined) nodePackets[key] = now.packets;
      }
    }
    let error: Error | undefined;
    try {
      await file.end();
    } catch (err) {
      error = err as Error;
    }
    let sipCount = 0;
    if (!error && this.#options.sipMessages) {
      try {
        const messages = await this.#options.sipMessages(info.callId);
        sipCount = await mergeSip(file.path, messages, info.maxBytes);
      } catch (err) {
        this.#logger.warn({ callId: info.callId, err: (err as Error).message }, 'SIP messages not merged into the capture');
      }
    }
    const size = await stat(file.path).then((s) => s.size, () => file.bytes);
    const final: CaptureInfo = {
      ...info,
      state: error ? 'failed' : 'stopped',
      stopReason: error ? 'write-failed' : reason,
      error: error ? error.message : null,
      stoppedAt: Date.now(),
      bytes: size,
      packets: file.packets + sipCount,
      interfaces: { ...file.counts(), sip: sipCount },
      nodePackets,
      endpoints: capture.endpoints(),
    };
    this.#running.delete(info.callId);
    this.#finished.set(final.captureId, final);
    await this.#saveInfo(final).catch((err: unknown) => this.#logger.warn({ captureId: info.captureId, err: (err as Error).message }, 'capture info not written'));
    this.#logger.info({ callId: info.callId, captureId: info.captureId, reason: final.stopReason, packets: final.packets, bytes: final.bytes, error: final.error }, 'capture stopped');
    return final;
  }

  #snapshot(r: Running): CaptureInfo {
    return { ...r.info, bytes: r.file.bytes, packets: r.file.packets, interfaces: r.file.counts(), endpoints: r.capture.endpoints() };
  }

  async #saveInfo(info: CaptureInfo): Promise<void> {
    const path = this.#infoPath(info.captureId);
    await writeFile(`${path}.tmp`, JSON.stringify(info));
    await rename(`${path}.tmp`, path);
  }

  #pcapPath(captureId: string): string {
    return join(this.#options.dir, `${captureId}.pcapng`);
  }

  #infoPath(captureId: string): string {
    return join(this.#options.dir, `${captureId}.json`);
  }
}
