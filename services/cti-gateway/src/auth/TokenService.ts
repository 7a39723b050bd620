import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  /** User id. */
  sub: string;
  login: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/**
 * Login tokens: `base64url(claims).base64url(HMAC-SHA256)`. Stateless, so any gateway instance sharing
 * AUTH_TOKEN_SECRET accepts them; without a configured secret they die with the process.
 */
export class TokenService {
  readonly #secret: Buffer;
  readonly #ttlS: number;

  constructor(secret: string | undefined, ttlS: number) {
    this.#secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.#ttlS = ttlS;
  }

  issue(sub: string, login: string, nowMs = Date.now()): string {
    const claims: TokenClaims = { sub, login, exp: Math.floor(nowMs / 1000) + this.#ttlS };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  /** The claims of a valid, unexpired token; undefined otherwise. */
  verify(token: string, nowMs = Date.now()): TokenClaims | undefined {
    if (token.length > 2048) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(body), 'base64url');
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
      if (typeof claims.sub !== 'string' || typeof claims.login !== 'string' || typeof claims.exp !== 'number') return undefined;
      if (claims.exp * 1000 <= nowMs) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
