import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenCheck, TokenClaims, TokenSubject } from './TokenServiceTypes.ts';

/** `base64url(claims JSON)` `.` `base64url(HMAC-SHA256)`: 43 characters of signature, no padding. */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,1500})\.([A-Za-z0-9_-]{43})$/;

/**
 * Login tokens: `base64url(claims).base64url(HMAC-SHA256(claims part))`. Stateless, so any gateway
 * instance sharing the secret accepts them: AUTH_TOKEN_SECRET, or else the one the gateways generated and keep
 * in the database (tokenSecret.ts).
 *
 * Decoding is canonical: a token is accepted only in the exact form we issue (the shape above, and each
 * part re-encodes to itself), so padding (`=`), trailing junk (`!!`), whitespace or other values of the
 * last character's unused low bits make a different string and are refused; the 32 signature bytes are
 * compared in constant time before the claims are parsed. The claims carry the user's credential version
 * (`ver`); the Authenticator compares it with the user's row, so a password change or a disable kills
 * every token issued before.
 */
export class TokenService {
  readonly #secret: Buffer;
  readonly #ttlS: number;

  constructor(secret: string | undefined, ttlS: number) {
    this.#secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.#ttlS = ttlS;
  }

  /** How long a token lives (s). */
  get ttlS(): number {
    return this.#ttlS;
  }

  issue(subject: TokenSubject, nowMs = Date.now()): string {
    const claims: TokenClaims = { sub: subject.id, login: subject.login, ver: subject.tokenVersion, exp: Math.floor(nowMs / 1000) + this.#ttlS };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.#sign(body).toString('base64url')}`;
  }

  verify(token: string, nowMs = Date.now()): TokenCheck {
    const m = TOKEN_SHAPE.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const [, body, sigText] = m as unknown as [string, string, string];
    const sig = Buffer.from(sigText, 'base64url');
    const bodyBytes = Buffer.from(body, 'base64url');
    if (sig.toString('base64url') !== sigText || bodyBytes.toString('base64url') !== body) return { ok: false, reason: 'malformed' };
    if (!timingSafeEqual(sig, this.#sign(body))) return { ok: false, reason: 'forged' };
    let claims: unknown;
    try {
      claims = JSON.parse(bodyBytes.toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
    if (claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  #sign(body: string): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest();
  }
}

function isClaims(v: unknown): v is TokenClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.sub === 'string' && typeof c.login === 'string' && Number.isSafeInteger(c.ver) && typeof c.exp === 'number' && Number.isFinite(c.exp);
}
