/**
 * OCTET STRING in estos JSON (subset reference §3): standard base64 alphabet, no line breaks. The C++
 * peer pads with `=`, the TS SDK omits padding; both are accepted, we always send padded text.
 */

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** True for standard base64, padded or unpadded (`""` included). */
export function isBase64(text: string): boolean {
  return BASE64_RE.test(text);
}

/**
 * Decodes standard base64 (padding optional) into a fresh Uint8Array (not a pooled Buffer slice).
 * Throws TypeError on anything else.
 */
export function decodeBase64(text: string): Uint8Array {
  if (!isBase64(text)) throw new TypeError(`decodeBase64(): not standard base64: ${JSON.stringify(text.slice(0, 40))}`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Encodes bytes as padded standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
