// SDES (RFC 4568) a=crypto lines ↔ mediasoup SRTP parameters.
import type { SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import type { SrtpPolicy } from '@ucserver/shared';
import { CryptoInvalidError } from '../errors.ts';
import { truncate } from './session.ts';

export interface SdesCrypto {
  tag: number;
  /** The suite name as written. */
  suite: string;
  /** Master key and salt, base64 (the `inline:` value without lifetime/MKI). */
  keyBase64: string;
  /** Set when mediasoup can use the line: known suite, no MKI, no session parameters. */
  usable: SrtpCryptoSuite | undefined;
}

/** Master key + salt length per suite (RFC 3711 §8.2, RFC 7714 §12). Order = our preference. */
const cryptoSuites: Readonly<Record<SrtpCryptoSuite, number>> = Object.freeze({
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  AEAD_AES_256_GCM: 44,
  AEAD_AES_128_GCM: 28,
});

/** The suite our own SDES offers use (every SDES endpoint implements it, RFC 4568 §6.2). */
const offeredCryptoSuite: SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80';

/**
 * The suite of our own offer under `policy`; undefined offers plain RTP/AVP. 'optional' offers plain
 * RTP/AVP too: RTP/AVP with a=crypto ("best effort SRTP") is read inconsistently by PBXs, and one that
 * insists on SRTP offers RTP/SAVP itself.
 */
export function offeredSrtpSuite(policy: SrtpPolicy): SrtpCryptoSuite | undefined {
  return policy === 'sdes' ? offeredCryptoSuite : undefined;
}

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * One parsed a=crypto attribute (as split by sdp-transform).
 * @throws CryptoInvalidError for a malformed tag or key (a usable suite with a wrong key length too).
 */
export function parseCrypto(attribute: { id: number; suite: string; config: string; sessionConfig?: string }, what: string): SdesCrypto {
  const { id, suite, config } = attribute;
  if (!Number.isInteger(id) || id < 0 || id > 999_999_999) throw new CryptoInvalidError(`${what} has an a=crypto line with an invalid tag '${String(id)}'`);
  // Only the first key is used; RFC 4568 allows several inline keys (key-params separated by ';').
  const firstKey = String(config ?? '').split(';')[0]!;
  if (!firstKey.startsWith('inline:')) throw new CryptoInvalidError(`${what} has an a=crypto:${id} line without an inline key`);
  const [key = '', ...rest] = firstKey.slice('inline:'.length).split('|');
  if (!base64Pattern.test(key)) throw new CryptoInvalidError(`${what} has an a=crypto:${id} key that is not base64 '${truncate(key, 48)}'`);
  const known = suite in cryptoSuites ? (suite as SrtpCryptoSuite) : undefined;
  if (known) {
    const length = Buffer.from(key, 'base64').length;
    if (length !== cryptoSuites[known]) {
      throw new CryptoInvalidError(`${what} has an a=crypto:${id} ${suite} key of ${length} bytes (expected ${cryptoSuites[known]})`);
    }
  }
  // A lifetime ("2^31") is harmless; an MKI ("1:4") adds bytes to every packet that mediasoup cannot parse.
  const hasMki = rest.some((p) => /^\d+:\d+$/.test(p.trim()));
  const hasSessionParams = Boolean(attribute.sessionConfig && attribute.sessionConfig.trim());
  return { tag: id, suite, keyBase64: key, usable: known && !hasMki && !hasSessionParams ? known : undefined };
}

/** The first line mediasoup can use, in the order the remote listed them (its preference). */
export function chooseCrypto(lines: SdesCrypto[]): SdesCrypto | undefined {
  return lines.find((l) => l.usable !== undefined);
}

export function srtpParameters(line: SdesCrypto): SrtpParameters {
  if (!line.usable) throw new TypeError(`crypto line ${line.tag} is not usable`);
  return { cryptoSuite: line.usable, keyBase64: line.keyBase64 };
}

/** The value of an a=crypto attribute: `<tag> <suite> inline:<key>`. */
export function formatCrypto(tag: number, parameters: SrtpParameters): string {
  return `${tag} ${parameters.cryptoSuite} inline:${parameters.keyBase64}`;
}
