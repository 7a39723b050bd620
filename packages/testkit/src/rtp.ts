// Minimal RTP (RFC 3550) for the test peers: build, parse (CSRCs, padding, and the one-byte header
// extensions of RFC 8285, which carry the MID a browser demultiplexes by), and recognisable payloads.

export interface RtpPacketFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  payload: Buffer;
}

export interface ParsedRtp extends RtpPacketFields {
  marker: boolean;
  /** One-byte header extensions by id. */
  extensions: Map<number, Buffer>;
}

export function buildRtp(p: RtpPacketFields): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  header.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  header.writeUInt32BE(p.timestamp >>> 0, 4);
  header.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([header, p.payload]);
}

/** RTCP packet types 192–223 (RFC 5761 §4): what shares an rtcp-mux port with RTP. */
export function isRtcp(packet: Buffer): boolean {
  return packet.length >= 2 && packet[1]! >= 192 && packet[1]! <= 223;
}

/** The packet's fields, or undefined for RTCP, a wrong version or a header that overruns the packet. */
export function parseRtp(packet: Buffer): ParsedRtp | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2 || isRtcp(packet)) return undefined;
  let offset = 12 + 4 * (packet[0]! & 0x0f);
  const extensions = new Map<number, Buffer>();
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return undefined;
    const profile = packet.readUInt16BE(offset);
    const start = offset + 4;
    const end = start + 4 * packet.readUInt16BE(offset + 2);
    if (end > packet.length) return undefined;
    if (profile === 0xbede) {
      let i = start;
      while (i < end) {
        const b = packet[i]!;
        if (b === 0) {
          i += 1;
          continue;
        }
        const id = b >> 4;
        const len = (b & 0x0f) + 1;
        if (id === 15) break;
        extensions.set(id, packet.subarray(i + 1, i + 1 + len));
        i += 1 + len;
      }
    }
    offset = end;
  }
  let payloadEnd = packet.length;
  if (packet[0]! & 0x20) payloadEnd -= packet[packet.length - 1]!;
  if (offset > payloadEnd) return undefined;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: Boolean(packet[1]! & 0x80),
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: packet.subarray(offset, payloadEnd),
    extensions,
  };
}

/** A recognisable payload: a marker byte then the sequence number, padded to `size`. */
export function testPayload(marker: number, seq: number, size = 160): Buffer {
  const b = Buffer.alloc(size, marker);
  b.writeUInt16BE(seq, 1);
  return b;
}
