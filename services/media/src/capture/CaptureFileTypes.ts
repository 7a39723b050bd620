import type { PcapngInterface, UdpDatagram } from '@ucserver/shared';

export interface CaptureFileOptions {
  /** The file to create (it must not exist). */
  path: string;
  /** shb_userappl. */
  application: string;
  /** The file may not grow beyond this; the packet that would exceed it emits `full` and is dropped. */
  maxBytes: number;
  /** Interfaces declared up front, in this order (ids 0..n-1); more may be added with `addInterface`. */
  interfaces: PcapngInterface[];
  /** Written bytes are flushed once this many are buffered, or every `flushMs`. Default 64 KiB. */
  flushBytes?: number;
  /** Default 100 ms. */
  flushMs?: number;
}

export type CapturePacket = Omit<UdpDatagram, 'interfaceId'> & { interfaceId: number };

export interface CaptureFileEvents {
  /** The file could not be written (disk full, removed directory); nothing more is written. */
  failed: [error: Error];
  /** The next packet would exceed `maxBytes`; nothing more is written. */
  full: [];
}
