// Minimal RTP reading for the softphone helper (RFC 3550 §5.1: header, CSRCs, extension, padding).

export interface RtpView {
  payloadType: number;
  sequence: number;
  ssrc: number;
  payload: Buffer;
}

export const parseRtp = (buf: Buffer): RtpView | undefined => {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const cc = buf[0]! & 0x0f;
  let offset = 12 + cc * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (offset > end) return undefined;
  return { payloadType: buf[1]! & 0x7f, sequence: buf.readUInt16BE(2), ssrc: buf.readUInt32BE(8), payload: buf.subarray(offset, end) };
};
