import { isIPv4, isIPv6 } from 'node:net';

/**
 * A pure pcapng encoder (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html), little endian:
 * a Section Header Block, one Interface Description Block per place a packet was seen (a call's leg, its
 * Direct Media link, its signalling) and an Enhanced Packet Block per packet. Packets are UDP datagrams
 * with synthetic IPv4/IPv6 and UDP headers that carry the real addresses and ports, so Wireshark decodes
 * RTP, RTCP and SIP on them. Link type RAW (101): the IP version comes from the first nibble. Timestamps
 * are microseconds since the Unix epoch (the default if_tsresol), from one clock. No I/O here.
 */

export const PCAPNG_LINKTYPE_RAW = 101;
const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
/** Largest UDP payload we encode (IPv4 total length is 16 bits). */
export const PCAPNG_MAX_PAYLOAD = 65_507;

export interface PcapngInterface {
  /** if_name: short, shown in Wireshark's "Interface name" column (e.g. `pbx-leg`). */
  name: string;
  /** if_description: one line saying what the interface saw. */
  description?: string;
}

export interface UdpEndpoint {
  address: string;
  port: number;
}

export interface UdpDatagram {
  /** Index of the interface in the order its IDB was written (0-based). */
  interfaceId: number;
  /** Microseconds since the Unix epoch. */
  timestampUs: bigint;
  src: UdpEndpoint;
  dst: UdpEndpoint;
  payload: Uint8Array;
  /** opt_comment of the packet (e.g. "reconstructed: as forwarded to the PBX"). */
  comment?: string;
}

/** The Section Header Block that opens a file; `application` goes into shb_userappl. */
export function sectionHeaderBlock(application: string): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  // Section length unknown: -1.
  body.writeBigInt64LE(-1n, 8);
  return block(BT_SHB, Buffer.concat([body, options([[SHB_USERAPPL, application]])]));
}

/** An Interface Description Block: raw IP, no snap length limit, if_name and if_description. */
export function interfaceDescriptionBlock(iface: PcapngInterface): Buffer {
  if (iface.name.length === 0) throw new TypeError('pcapng interface needs a name');
  const body = Buffer.alloc(8);
  body.writeUInt16LE(PCAPNG_LINKTYPE_RAW, 0);
  body.writeUInt16LE(0, 2);
  body.writeUInt32LE(0, 4);
  const opts: Array<[number, string]> = [[IF_NAME, iface.name]];
  if (iface.description) opts.push([IF_DESCRIPTION, iface.description]);
  return block(BT_IDB, Buffer.concat([body, options(opts)]));
}

/**
 * An Enhanced Packet Block holding one UDP datagram with synthetic IP and UDP headers, built in one
 * buffer (the capture writes one per RTP packet).
 */
export function udpPacketBlock(d: UdpDatagram): Buffer {
  if (!Number.isInteger(d.interfaceId) || d.interfaceId < 0) throw new TypeError(`invalid pcapng interface id ${d.interfaceId}`);
  if (d.timestampUs < 0n) throw new TypeError(`invalid pcapng timestamp ${d.timestampUs}`);
  const packetLength = ipUdpLength(d.src, d.dst, d.payload);
  const comment = d.comment ? Buffer.from(d.comment, 'utf8') : undefined;
  if (comment && comment.length > 0xffff) throw new RangeError(`pcapng option ${OPT_COMMENT} too long (${comment.length} bytes)`);
  const optionsLength = comment ? 4 + padded(comment.length) + 4 : 0;
  const total = 8 + 20 + padded(packetLength) + optionsLength + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(BT_EPB, 0);
  out.writeUInt32LE(total, 4);
  out.writeUInt32LE(d.interfaceId, 8);
  out.writeUInt32LE(Number(d.timestampUs >> 32n), 12);
  out.writeUInt32LE(Number(d.timestampUs & 0xffffffffn), 16);
  out.writeUInt32LE(packetLength, 20);
  out.writeUInt32LE(packetLength, 24);
  writeIpUdp(out, 28, d.src, d.dst, d.payload);
  if (comment) {
    const at = 28 + padded(packetLength);
    out.writeUInt16LE(OPT_COMMENT, at);
    out.writeUInt16LE(comment.length, at + 2);
    comment.copy(out, at + 4);
    // opt_endofopt: the zeros that follow
  }
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** An IPv4 (or IPv6) packet with a UDP header; both addresses must be of the same family. */
export function ipUdpPacket(src: UdpEndpoint, dst: UdpEndpoint, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(ipUdpLength(src, dst, payload));
  writeIpUdp(out, 0, src, dst, payload);
  return out;
}

function ipUdpLength(src: UdpEndpoint, dst: UdpEndpoint, payload: Uint8Array): number {
  checkPort(src.port);
  checkPort(dst.port);
  if (payload.length > PCAPNG_MAX_PAYLOAD) throw new RangeError(`UDP payload of ${payload.length} bytes exceeds ${PCAPNG_MAX_PAYLOAD}`);
  if (isIPv4(src.address) && isIPv4(dst.address)) return 20 + 8 + payload.length;
  if (isIPv6(src.address) && isIPv6(dst.address)) return 40 + 8 + payload.length;
  throw new TypeError(`pcapng packet needs two IPv4 or two IPv6 addresses, got '${src.address}' and '${dst.address}'`);
}

/** Writes the IP header, UDP header and payload at `at` (the buffer is zeroed there; see ipUdpLength). */
function writeIpUdp(out: Buffer, at: number, src: UdpEndpoint, dst: UdpEndpoint, payload: Uint8Array): void {
  const udpLength = 8 + payload.length;
  if (isIPv4(src.address)) {
    out[at] = 0x45;
    out.writeUInt16BE(20 + udpLength, at + 2);
    out.writeUInt16BE(0x4000, at + 6); // DF
    out[at + 8] = 64;
    out[at + 9] = 17;
    writeIpv4(out, at + 12, src.address);
    writeIpv4(out, at + 16, dst.address);
    out.writeUInt16BE(internetChecksum(out.subarray(at, at + 20)), at + 10);
    // UDP checksum 0: "not computed", valid for IPv4.
    writeUdp(out, at + 20, src.port, dst.port, payload);
    return;
  }
  out[at] = 0x60;
  out.writeUInt16BE(udpLength, at + 4);
  out[at + 6] = 17;
  out[at + 7] = 64;
  ipv6Bytes(src.address).copy(out, at + 8);
  ipv6Bytes(dst.address).copy(out, at + 24);
  const udpAt = at + 40;
  writeUdp(out, udpAt, src.port, dst.port, payload);
  // IPv6 requires the UDP checksum (RFC 8200 §8.1): pseudo header (addresses, length, next header) + UDP.
  let sum = onesSum(out, at + 8, at + 40) + (udpLength >>> 16) + (udpLength & 0xffff) + 17 + onesSum(out, udpAt, udpAt + udpLength);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  out.writeUInt16BE(checksum === 0 ? 0xffff : checksum, udpAt + 6);
}

function writeUdp(out: Buffer, at: number, srcPort: number, dstPort: number, payload: Uint8Array): void {
  out.writeUInt16BE(srcPort, at);
  out.writeUInt16BE(dstPort, at + 2);
  out.writeUInt16BE(8 + payload.length, at + 4);
  out.set(payload, at + 8);
}

function writeIpv4(out: Buffer, at: number, address: string): void {
  const parts = address.split('.');
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

/** The 16-bit one's complement sum (not folded, not inverted) of bytes [start, end). */
function onesSum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

function padded(length: number): number {
  return length + ((4 - (length % 4)) % 4);
}

/** RFC 1071 one's complement sum. */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = onesSum(bytes, 0, bytes.length);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function block(type: number, body: Buffer): Buffer {
  const padded = pad4(body);
  const total = 12 + padded.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  padded.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function options(list: Array<[number, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [code, text] of list) {
    const value = Buffer.from(text, 'utf8');
    if (value.length > 0xffff) throw new RangeError(`pcapng option ${code} too long (${value.length} bytes)`);
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, pad4(value));
  }
  parts.push(Buffer.from([OPT_ENDOFOPT, 0, 0, 0]));
  return Buffer.concat(parts);
}

function pad4(bytes: Uint8Array): Buffer {
  const rest = (4 - (bytes.length % 4)) % 4;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return rest === 0 ? buf : Buffer.concat([buf, Buffer.alloc(rest)]);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`invalid UDP port ${port}`);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * The capture clock: microseconds since the Unix epoch from the monotonic clock anchored at process
 * start, so packets of one process never go back in time; processes on one host agree to about a ms.
 */
export function captureClockUs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}
