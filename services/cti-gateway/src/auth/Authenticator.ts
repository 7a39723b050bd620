import type { Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { AuthenticationError, LockedOutError } from '../errors.ts';
import type { UserStore } from '../users/UserStore.ts';
import type { LoginThrottle } from './LoginThrottle.ts';
import type { TokenService } from './TokenService.ts';

export type Credentials =
  | { kind: 'basic'; login: string; password: string }
  | { kind: 'bearer'; token: string };

export interface AuthResult {
  user: UserRow;
  /** A fresh token for the next login (ENetUC login result, createsession). */
  token: string;
}

/**
 * The one place logins are decided, for ENetUC (TCP and WebSocket) and the admin API alike:
 * password or token, throttled per user and per source address, every failure logged without secrets.
 */
export class Authenticator {
  readonly #users: UserStore;
  readonly #tokens: TokenService;
  readonly #throttle: LoginThrottle;
  readonly #logger: Logger;

  constructor(users: UserStore, tokens: TokenService, throttle: LoginThrottle, logger: Logger) {
    this.#users = users;
    this.#tokens = tokens;
    this.#throttle = throttle;
    this.#logger = logger.child({ component: 'auth' });
  }

  get tokens(): TokenService {
    return this.#tokens;
  }

  async authenticate(credentials: Credentials, source: string): Promise<AuthResult> {
    const userKey = credentials.kind === 'basic' ? `user:${credentials.login.toLowerCase()}` : undefined;
    const keys = userKey ? [userKey, `addr:${source}`] : [`addr:${source}`];
    const wait = this.#throttle.retryAfter(keys);
    if (wait > 0) {
      this.#logger.warn({ login: credentials.kind === 'basic' ? credentials.login : undefined, source, retryAfterMs: wait }, 'login refused: throttled');
      throw new LockedOutError(wait);
    }
    let user: UserRow | undefined;
    if (credentials.kind === 'basic') {
      user = await this.#users.verify(credentials.login, credentials.password);
    } else {
      const claims = this.#tokens.verify(credentials.token);
      user = claims ? await this.#users.getById(claims.sub) : undefined;
      // a token outlives neither its user nor a rename
      if (user && claims && user.login !== claims.login) user = undefined;
    }
    if (!user) {
      this.#throttle.failure(keys);
      this.#logger.warn({ login: credentials.kind === 'basic' ? credentials.login : undefined, method: credentials.kind, source }, 'login failed');
      throw new AuthenticationError(credentials.kind === 'bearer' ? 'invalid or expired token' : undefined);
    }
    if (userKey) this.#throttle.success(userKey);
    return { user, token: this.#tokens.issue(user.id, user.login) };
  }
}

/** Parses `Basic base64(user:password)` (RFC 7617, UTF-8) into credentials; undefined when malformed. */
export function parseBasic(value: string): { login: string; password: string } | undefined {
  let text: string;
  try {
    text = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { login: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Credentials from an HTTP Authorization header (Basic or Bearer). */
export function credentialsFromHeader(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') {
    const basic = parseBasic(value);
    return basic ? { kind: 'basic', ...basic } : undefined;
  }
  if (scheme === 'bearer' && value) return { kind: 'bearer', token: value };
  return undefined;
}
