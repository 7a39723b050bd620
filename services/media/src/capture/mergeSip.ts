import { readFile, rename, writeFile } from 'node:fs/promises';
import { udpPacketBlock } from '@ucserver/shared';
import { IFACE } from './CallCaptureTypes.ts';
import type { SipRecord } from './CaptureStoreTypes.ts';

const BT_EPB = 6;

/**
 * Merges SIP messages into a finished capture file as packets of the `sip` interface (id 0), each
 * before the first packet with a later timestamp, so the file stays ordered by time. The file is
 * rewritten next to itself and renamed over it. Returns the number of messages merged.
 */
export async function mergeSip(path: string, messages: readonly SipRecord[], _maxBytes?: number): Promise<number> {
  if (messages.length === 0) return 0;
  const sip = [...messages].sort((a, b) => (a.timestampUs < b.timestampUs ? -1 : a.timestampUs > b.timestampUs ? 1 : 0));
  const file = await readFile(path);
  const parts: Buffer[] = [];
  let next = 0;
  let offset = 0;
  while (offset + 12 <= file.length) {
    const type = file.readUInt32LE(offset);
    const length = file.readUInt32LE(offset + 4);
    if (length < 12 || offset + length > file.length) break;
    if (type === BT_EPB) {
      const ts = (BigInt(file.readUInt32LE(offset + 12)) << 32n) | BigInt(file.readUInt32LE(offset + 16));
      while (next < sip.length && sip[next]!.timestampUs <= ts) parts.push(sipBlock(sip[next++]!));
    }
    parts.push(file.subarray(offset, offset + length));
    offset += length;
  }
  while (next < sip.length) parts.push(sipBlock(sip[next++]!));
  await writeFile(`${path}.merge`, Buffer.concat(parts));
  await rename(`${path}.merge`, path);
  return sip.length;
}

function sipBlock(m: SipRecord): Buffer {
  return udpPacketBlock({ interfaceId: IFACE.sip, timestampUs: m.timestampUs, src: m.src, dst: m.dst, payload: m.message });
}
