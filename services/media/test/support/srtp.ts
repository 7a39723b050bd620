// RFC 3711 SRTP with AES_CM_128_HMAC_SHA1_80, written from the RFC for the tests: an implementation
// independent of mediasoup's libsrtp, so a test proves the node really encrypts and decrypts.
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

const tagLength = 10;

interface SessionKeys {
  encKey: Buffer;
  authKey: Buffer;
  salt: Buffer;
}

/** RFC 3711 §4.3: the AES-CM PRF with label `label`, index 0 (key derivation rate 0). */
function derive(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const x = Buffer.alloc(14);
  masterSalt.copy(x);
  x[7] = x[7]! ^ label;
  const iv = Buffer.concat([x, Buffer.alloc(2)]);
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

function sessionKeys(keyBase64: string): SessionKeys {
  const material = Buffer.from(keyBase64, 'base64');
  if (material.length !== 30) throw new Error(`AES_CM_128 key material must be 30 bytes, got ${material.length}`);
  const masterKey = material.subarray(0, 16);
  const masterSalt = material.subarray(16, 30);
  return { encKey: derive(masterKey, masterSalt, 0x00, 16), authKey: derive(masterKey, masterSalt, 0x01, 20), salt: derive(masterKey, masterSalt, 0x02, 14) };
}

function headerLength(packet: Buffer): number {
  let length = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) length += 4 + 4 * packet.readUInt16BE(length + 2);
  return length;
}

function keystreamXor(keys: SessionKeys, ssrc: number, index: bigint, data: Buffer): Buffer {
  // IV = (salt << 16) XOR (ssrc << 64) XOR (index << 16)   (RFC 3711 §4.1.1)
  const iv = Buffer.alloc(16);
  keys.salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  // The 48-bit index lands in bytes 8..13: as a big-endian 64-bit value it fills bytes 2..7 of `idx`.
  const idx = Buffer.alloc(8);
  idx.writeBigUInt64BE(index);
  for (let i = 0; i < 8; i++) iv[6 + i] = iv[6 + i]! ^ idx[i]!;
  const cipher = createCipheriv('aes-128-ctr', keys.encKey, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function authTag(keys: SessionKeys, authenticated: Buffer, roc: number): Buffer {
  const rocBuf = Buffer.alloc(4);
  rocBuf.writeUInt32BE(roc);
  return createHmac('sha1', keys.authKey).update(authenticated).update(rocBuf).digest().subarray(0, tagLength);
}

/** One direction of an SRTP session (one master key); tracks the rollover counter per SSRC. */
export class SrtpContext {
  readonly #keys: SessionKeys;
  readonly #roc = new Map<number, { roc: number; lastSeq: number }>();

  constructor(keyBase64: string) {
    this.#keys = sessionKeys(keyBase64);
  }

  protect(rtp: Buffer): Buffer {
    const ssrc = rtp.readUInt32BE(8);
    const seq = rtp.readUInt16BE(2);
    const state = this.#roc.get(ssrc) ?? { roc: 0, lastSeq: seq };
    if (seq < state.lastSeq && state.lastSeq - seq > 0x8000) state.roc += 1;
    state.lastSeq = seq;
    this.#roc.set(ssrc, state);
    const hl = headerLength(rtp);
    const index = (BigInt(state.roc) << 16n) | BigInt(seq);
    const encrypted = Buffer.concat([rtp.subarray(0, hl), keystreamXor(this.#keys, ssrc, index, rtp.subarray(hl))]);
    return Buffer.concat([encrypted, authTag(this.#keys, encrypted, state.roc)]);
  }

  /** Decrypts one SRTP packet; undefined when the authentication tag does not verify. */
  unprotect(srtp: Buffer): Buffer | undefined {
    if (srtp.length < 12 + tagLength) return undefined;
    const ssrc = srtp.readUInt32BE(8);
    const seq = srtp.readUInt16BE(2);
    const state = this.#roc.get(ssrc) ?? { roc: 0, lastSeq: seq };
    const authenticated = srtp.subarray(0, srtp.length - tagLength);
    const tag = srtp.subarray(srtp.length - tagLength);
    if (!timingSafeEqual(tag, authTag(this.#keys, authenticated, state.roc))) return undefined;
    state.lastSeq = seq;
    this.#roc.set(ssrc, state);
    const hl = headerLength(authenticated);
    const index = (BigInt(state.roc) << 16n) | BigInt(seq);
    return Buffer.concat([authenticated.subarray(0, hl), keystreamXor(this.#keys, ssrc, index, authenticated.subarray(hl))]);
  }
}
