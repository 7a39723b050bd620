// A secret sealed for the bus: AES-256-GCM under a key only its two ends hold (the line credentials key
// of the cti-gateway and the pbx-adapter), a random 96-bit nonce per seal, and associated data that binds
// the ciphertext to its purpose and owner (the line id), so a sealed password cannot be replayed as
// another line's. Pure: no I/O, no logging; failures are SealedSecretError with what did not match.
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { SealedSecretError } from '../errors.ts';

const base64url = (min: number, max: number) => z.string().min(min).max(max).regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');

/** What travels instead of a secret: key id, nonce, ciphertext and tag (base64url). */
export const SealedSecret = z.object({
  alg: z.literal('A256GCM'),
  /** Which key sealed it (a hash of the key, not the key): a mismatch says so instead of "tampered". */
  kid: base64url(8, 8),
  iv: base64url(16, 16),
  /** Up to 1 KiB of plaintext (a 256-character password in UTF-8). */
  ct: base64url(0, 1366),
  tag: base64url(22, 22),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

/** A parsed sealing key: the key material stays inside a KeyObject, which neither logs nor serialises it. */
export interface SealingKey {
  readonly id: string;
  readonly key: KeyObject;
}

const KEY_BYTES = 32;

/** True when `text` is a sealing key: 32 bytes in base64 or base64url (padding optional). */
export function isSealingKeyText(text: string): boolean {
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(text.trim()) && Buffer.from(text.trim(), 'base64').length === KEY_BYTES;
}

/** Parses a key as configured (LINE_CREDENTIALS_KEY). Throws TypeError without echoing the value. */
export function parseSealingKey(text: string): SealingKey {
  if (!isSealingKeyText(text)) throw new TypeError(`a sealing key is ${KEY_BYTES} bytes in base64`);
  const raw = Buffer.from(text.trim(), 'base64');
  const id = createHash('sha256').update('ucs-sealing-key-id\0').update(raw).digest().subarray(0, 6).toString('base64url');
  const key = createSecretKey(raw);
  raw.fill(0);
  return Object.freeze({ id, key });
}

/** A new random key in the configured form (base64), for first-start generators. */
export function generateSealingKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Seals `plaintext` for the holder of `key`. `context` is the associated data: the purpose and the id of
 * the object the secret belongs to (e.g. `line-auth-password`, the line id); opening needs the same.
 */
export function seal(key: SealingKey, plaintext: string, context: readonly string[]): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(associatedData(context));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', kid: key.id, iv: iv.toString('base64url'), ct: ct.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

/** Opens a sealed secret; throws SealedSecretError when the key, the context or any byte does not match. */
export function open(key: SealingKey, sealed: SealedSecret, context: readonly string[]): string {
  if (sealed.kid !== key.id) {
    throw new SealedSecretError(`sealed with key ${sealed.kid}, this service holds key ${key.id}: LINE_CREDENTIALS_KEY differs between the services`);
  }
  const iv = Buffer.from(sealed.iv, 'base64url');
  const tag = Buffer.from(sealed.tag, 'base64url');
  if (iv.length !== 12 || tag.length !== 16) throw new SealedSecretError('sealed secret has a malformed nonce or tag');
  const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: 16 });
  decipher.setAAD(associatedData(context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SealedSecretError(`sealed secret does not open [${context.join(':')}]: altered, or sealed for another object`, { cause: err });
  }
}

/** Length-prefixed parts, so ['a', 'bc'] and ['ab', 'c'] differ. */
function associatedData(context: readonly string[]): Buffer {
  return Buffer.concat(context.flatMap((part) => {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  }));
}
