// HTTP Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760): computing and
// verifying responses for MD5, SHA-256 and SHA-512/256 and their -sess variants, qop auth / auth-int /
// none; client-side challenge selection and a server-side verifier.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DigestError } from './errors.ts';
import type { AuthChallenge, AuthCredentials } from './headers/auth.ts';

export const DigestAlgorithm = {
  MD5: 'MD5',
  MD5Sess: 'MD5-sess',
  SHA256: 'SHA-256',
  SHA256Sess: 'SHA-256-sess',
  SHA512_256: 'SHA-512-256',
  SHA512_256Sess: 'SHA-512-256-sess',
} as const;
export type DigestAlgorithm = (typeof DigestAlgorithm)[keyof typeof DigestAlgorithm];

const HASHES: Readonly<Record<string, string>> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/** Canonical algorithm name for a challenge value (case-insensitive), or undefined when unsupported. */
export const normalizeAlgorithm = (value: string | undefined): DigestAlgorithm | undefined => {
  const v = (value ?? 'MD5').toUpperCase();
  const sess = v.endsWith('-SESS');
  const base = sess ? v.slice(0, -5) : v;
  const known = Object.keys(HASHES).find((k) => k.toUpperCase() === base);
  if (!known) return undefined;
  return (sess ? `${known}-sess` : known) as DigestAlgorithm;
};

const baseOf = (alg: DigestAlgorithm): string => (alg.endsWith('-sess') ? alg.slice(0, -5) : alg);

/** Hex digest with the algorithm's hash function. */
const digestHash = (algorithm: DigestAlgorithm, data: string | Buffer): string =>
  createHash(HASHES[baseOf(algorithm)] as string).update(data).digest('hex');

/** A Digest challenge in usable form. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: DigestAlgorithm;
  /** qop-options offered, lower-cased; [] when the server offers none (RFC 2069 compatibility). */
  qop: string[];
  stale: boolean;
}

/** Convert a parsed challenge; DigestError for another scheme, a missing realm/nonce or an unknown algorithm. */
export const toDigestChallenge = (c: AuthChallenge): DigestChallenge => {
  if (c.scheme.toLowerCase() !== 'digest') throw new DigestError(`unsupported auth scheme '${c.scheme}'`);
  const realm = c.params.get('realm');
  const nonce = c.params.get('nonce');
  if (realm === undefined || nonce === undefined) throw new DigestError('Digest challenge without realm or nonce');
  const algorithm = normalizeAlgorithm(c.params.get('algorithm'));
  if (!algorithm) throw new DigestError(`unsupported Digest algorithm '${c.params.get('algorithm')}' [realm:${realm}]`);
  const qopText = c.params.get('qop');
  const qop = qopText === undefined ? [] : qopText.split(',').map((q) => q.trim().toLowerCase()).filter(Boolean);
  return { realm, nonce, opaque: c.params.get('opaque'), algorithm, qop, stale: c.params.get('stale')?.toLowerCase() === 'true' };
};

const supportsQop = (d: DigestChallenge): boolean => d.qop.length === 0 || d.qop.includes('auth') || d.qop.includes('auth-int');

/**
 * Pick one challenge per realm: the first supported Digest challenge in the order the server sent them
 * (RFC 7616 §3.7: servers list challenges in order of preference). Realms keep first-seen order.
 */
export const selectDigestChallenges = (challenges: AuthChallenge[]): DigestChallenge[] => {
  const byRealm = new Map<string, DigestChallenge>();
  for (const c of challenges) {
    let d: DigestChallenge;
    try {
      d = toDigestChallenge(c);
    } catch {
      continue; // Unsupported scheme or algorithm: another challenge of the same response may do.
    }
    if (!supportsQop(d) || byRealm.has(d.realm)) continue;
    byRealm.set(d.realm, d);
  }
  return [...byRealm.values()];
};

/** nonce-count as 8 hex digits. */
export const formatNonceCount = (nc: number): string => nc.toString(16).padStart(8, '0');

export interface DigestResponseParams {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  /** Either the password or the precomputed H(username:realm:password). */
  password?: string | undefined;
  ha1?: string | undefined;
  nonce: string;
  method: string;
  /** digest-uri as sent in the credentials. */
  uri: string;
  qop?: 'auth' | 'auth-int' | undefined;
  nc?: number | undefined;
  cnonce?: string | undefined;
  /** Message body, for auth-int. */
  body?: Buffer | undefined;
}

/** request-digest per RFC 7616 §3.4.1 (RFC 2617 §3.2.2 for MD5). */
export const computeDigestResponse = (p: DigestResponseParams): string => {
  const H = (s: string | Buffer): string => digestHash(p.algorithm, s);
  let ha1 = p.ha1 ?? (p.password !== undefined ? H(`${p.username}:${p.realm}:${p.password}`) : undefined);
  if (ha1 === undefined) throw new TypeError('computeDigestResponse() needs password or ha1');
  if (p.algorithm.endsWith('-sess')) {
    if (p.cnonce === undefined) throw new TypeError(`${p.algorithm} needs a cnonce`);
    ha1 = H(`${ha1}:${p.nonce}:${p.cnonce}`);
  }
  const ha2 = p.qop === 'auth-int' ? H(`${p.method}:${p.uri}:${H(p.body ?? Buffer.alloc(0))}`) : H(`${p.method}:${p.uri}`);
  if (p.qop === undefined) return H(`${ha1}:${p.nonce}:${ha2}`);
  if (p.nc === undefined || p.cnonce === undefined) throw new TypeError('qop needs nc and cnonce');
  return H(`${ha1}:${p.nonce}:${formatNonceCount(p.nc)}:${p.cnonce}:${p.qop}:${ha2}`);
};

/** Random cnonce / nonce material. */
const generateNonce = (bytes = 16): string => randomBytes(bytes).toString('base64url');

export interface DigestAnswerOptions {
  username: string;
  password: string;
  method: string;
  /** digest-uri: the Request-URI as a string. */
  uri: string;
  body?: Buffer | undefined;
  /** Nonce count for this nonce, default 1. */
  nc?: number | undefined;
  cnonce?: string | undefined;
}

/**
 * Credentials answering `challenge` (RFC 3261 §22.4). qop=auth is preferred, auth-int is used when it
 * is the only option, and no qop when the server offered none.
 */
export const createDigestCredentials = (challenge: DigestChallenge, o: DigestAnswerOptions): AuthCredentials => {
  let qop: 'auth' | 'auth-int' | undefined;
  if (challenge.qop.length > 0) {
    if (challenge.qop.includes('auth')) qop = 'auth';
    else if (challenge.qop.includes('auth-int')) qop = 'auth-int';
    else throw new DigestError(`no supported qop in '${challenge.qop.join(',')}' [realm:${challenge.realm}]`);
  }
  const needsCnonce = qop !== undefined || challenge.algorithm.endsWith('-sess');
  const cnonce = needsCnonce ? (o.cnonce ?? generateNonce()) : undefined;
  const nc = qop !== undefined ? (o.nc ?? 1) : undefined;
  const response = computeDigestResponse({
    algorithm: challenge.algorithm,
    username: o.username,
    realm: challenge.realm,
    password: o.password,
    nonce: challenge.nonce,
    method: o.method,
    uri: o.uri,
    qop,
    nc,
    cnonce,
    body: o.body,
  });
  const params = new Map<string, string>([
    ['username', o.username],
    ['realm', challenge.realm],
    ['nonce', challenge.nonce],
    ['uri', o.uri],
    ['response', response],
    ['algorithm', challenge.algorithm],
  ]);
  if (challenge.opaque !== undefined) params.set('opaque', challenge.opaque);
  if (qop !== undefined) {
    params.set('qop', qop);
    params.set('nc', formatNonceCount(nc as number));
  }
  if (cnonce !== undefined) params.set('cnonce', cnonce);
  return { scheme: 'Digest', params };
};

// ---- server side ---------------------------------------------------------------------------------

export interface CreateChallengeOptions {
  realm: string;
  nonce?: string | undefined;
  opaque?: string | undefined;
  algorithm?: DigestAlgorithm | undefined;
  /** qop-options to offer; default ['auth']; [] offers none. */
  qop?: Array<'auth' | 'auth-int'> | undefined;
  stale?: boolean | undefined;
}

export const createDigestChallenge = (o: CreateChallengeOptions): AuthChallenge => {
  const params = new Map<string, string>([
    ['realm', o.realm],
    ['nonce', o.nonce ?? generateNonce()],
  ]);
  if (o.opaque !== undefined) params.set('opaque', o.opaque);
  params.set('algorithm', o.algorithm ?? DigestAlgorithm.MD5);
  const qop = o.qop ?? ['auth'];
  if (qop.length > 0) params.set('qop', qop.join(','));
  if (o.stale) params.set('stale', 'true');
  return { scheme: 'Digest', params };
};

export type DigestSecret = { password: string } | { ha1: string };

export interface VerifyDigestOptions {
  method: string;
  realm: string;
  /** The secret for a user, undefined when unknown. */
  lookup: (username: string, realm: string) => DigestSecret | undefined;
  /** Nonce validity; default: every nonce is valid. 'stale' asks the client to retry with a new nonce. */
  nonceStatus?: ((nonce: string) => 'valid' | 'stale' | 'invalid') | undefined;
  /** When given, the digest-uri must equal it. */
  requestUri?: string | undefined;
  body?: Buffer | undefined;
}

export type DigestVerifyResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'scheme' | 'malformed' | 'realm' | 'algorithm' | 'nonce' | 'uri' | 'user' | 'response'; stale: boolean };

/** Check credentials against the expected secret (constant-time comparison of the response). */
export const verifyDigestCredentials = (credentials: AuthCredentials, o: VerifyDigestOptions): DigestVerifyResult => {
  const fail = (reason: Exclude<DigestVerifyResult, { ok: true }>['reason'], stale = false): DigestVerifyResult => ({ ok: false, reason, stale });
  if (credentials.scheme.toLowerCase() !== 'digest') return fail('scheme');
  const p = credentials.params;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) return fail('malformed');
  if (realm !== o.realm) return fail('realm');
  const algorithm = normalizeAlgorithm(p.get('algorithm'));
  if (!algorithm) return fail('algorithm');
  if (o.requestUri !== undefined && uri !== o.requestUri) return fail('uri');
  const status = o.nonceStatus?.(nonce) ?? 'valid';
  if (status === 'invalid') return fail('nonce');
  const qopRaw = p.get('qop');
  if (qopRaw !== undefined && qopRaw !== 'auth' && qopRaw !== 'auth-int') return fail('malformed');
  const ncRaw = p.get('nc');
  const cnonce = p.get('cnonce');
  if (qopRaw !== undefined && (ncRaw === undefined || !/^[0-9a-fA-F]{8}$/.test(ncRaw) || cnonce === undefined)) return fail('malformed');
  const secret = o.lookup(username, realm);
  if (!secret) return fail('user');
  let expected: string;
  try {
    expected = computeDigestResponse({
      algorithm,
      username,
      realm,
      ...('password' in secret ? { password: secret.password } : { ha1: secret.ha1 }),
      nonce,
      method: o.method,
      uri,
      qop: qopRaw as 'auth' | 'auth-int' | undefined,
      nc: ncRaw === undefined ? undefined : Number.parseInt(ncRaw, 16),
      cnonce,
      body: o.body,
    });
  } catch {
    return fail('malformed'); // e.g. a -sess algorithm without cnonce
  }
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(response.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) return fail('response');
  // A correct response with an expired nonce: the client only needs a fresh nonce (stale=true).
  if (status === 'stale') return fail('nonce', true);
  return { ok: true, username };
};
