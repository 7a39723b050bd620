import { EventEmitter } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { interfaceDescriptionBlock, sectionHeaderBlock, udpPacketBlock, type PcapngInterface } from '@ucserver/shared';
import { CaptureWriteError } from '../errors.ts';
import type { CaptureFileEvents, CaptureFileOptions, CapturePacket } from './CaptureFileTypes.ts';

/**
 * One pcapng file being written: the header and interfaces, then packets as they come. Writes are
 * buffered and appended in order by one loop; the first write error ends the file (`failed`), so a full
 * disk stops this capture only. Packets are counted per interface.
 */
export class CaptureFile extends EventEmitter<CaptureFileEvents> {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #maxBytes: number;
  readonly #flushBytes: number;
  readonly #timer: NodeJS.Timeout;
  readonly #interfaces: PcapngInterface[] = [];
  readonly #counts: number[] = [];
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #bytes = 0;
  #packets = 0;
  #writing: Promise<void> = Promise.resolve();
  #error: Error | undefined;
  #ended = false;

  private constructor(path: string, handle: FileHandle, options: CaptureFileOptions) {
    super();
    this.path = path;
    this.#handle = handle;
    this.#maxBytes = options.maxBytes;
    this.#flushBytes = options.flushBytes ?? 64 * 1024;
    this.#timer = setInterval(() => this.#flush(), options.flushMs ?? 100);
    this.#timer.unref();
  }

  /** Creates the file and writes its header; a file that cannot be created fails here. */
  static async create(options: CaptureFileOptions): Promise<CaptureFile> {
    let handle: FileHandle;
    try {
      handle = await open(options.path, 'wx');
    } catch (err) {
      throw new CaptureWriteError(`cannot create capture file ${options.path}: ${(err as Error).message}`, { cause: err });
    }
    const file = new CaptureFile(options.path, handle, options);
    file.#append(sectionHeaderBlock(options.application));
    for (const iface of options.interfaces) file.addInterface(iface);
    return file;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get packets(): number {
    return this.#packets;
  }

  get error(): Error | undefined {
    return this.#error;
  }

  /** Packets per interface name. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.#interfaces.forEach((iface, i) => (out[iface.name] = this.#counts[i] ?? 0));
    return out;
  }

  /** Declares an interface; returns its id. */
  addInterface(iface: PcapngInterface): number {
    this.#interfaces.push(iface);
    this.#counts.push(0);
    this.#append(interfaceDescriptionBlock(iface));
    return this.#interfaces.length - 1;
  }

  /** Appends one packet; false when the file no longer takes any (ended, failed or full). */
  write(packet: CapturePacket): boolean {
    if (this.#ended || this.#error) return false;
    const block = udpPacketBlock(packet);
    if (this.#bytes + block.length > this.#maxBytes) {
      this.#ended = true;
      this.emit('full');
      return false;
    }
    this.#append(block);
    this.#counts[packet.interfaceId] = (this.#counts[packet.interfaceId] ?? 0) + 1;
    this.#packets += 1;
    return true;
  }

  /** Writes what is buffered and closes the file; rejects with the write error, if any. Idempotent. */
  async end(): Promise<void> {
    this.#ended = true;
    clearInterval(this.#timer);
    this.#flush();
    await this.#writing;
    await this.#handle.close().catch(() => undefined);
    if (this.#error) throw this.#error;
  }

  #append(block: Buffer): void {
    this.#pending.push(block);
    this.#pendingBytes += block.length;
    this.#bytes += block.length;
    if (this.#pendingBytes >= this.#flushBytes) this.#flush();
  }

  #flush(): void {
    if (this.#pending.length === 0 || this.#error) return;
    const chunk = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writing = this.#writing.then(async () => {
      if (this.#error) return;
      try {
        // A write may be partial (the disk filled up): the rest is retried, and then fails.
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await this.#handle.write(chunk, done);
          if (bytesWritten === 0) throw new Error('no progress writing');
          done += bytesWritten;
        }
      } catch (err) {
        this.#error = new CaptureWriteError(`cannot write capture file ${this.path}: ${(err as Error).message}`, { cause: err });
        clearInterval(this.#timer);
        this.emit('failed', this.#error);
      }
    });
  }
}
