import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { excerpt, type Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { AccountDisabledError, AuthenticationError, LockedOutError } from '../errors.ts';
import type { UserStore } from '../users/UserStore.ts';
import type { AuthenticatorEvents, AuthenticatorOptions, AuthResult, Credentials, LoginOutcome } from './AuthenticatorTypes.ts';
import type { LoginThrottle } from './LoginThrottle.ts';
import type { TokenService } from './TokenService.ts';

export type { AuthResult, Credentials } from './AuthenticatorTypes.ts';

/** No login is longer (adminSchemas' Login: 64); longer input is refused without hashing or counting. */
const MAX_LOGIN_CHARS = 256;
/** Passwords are at most 256 characters (adminSchemas' UserCreate); the margin keeps unusual clients working. */
const MAX_PASSWORD_CHARS = 1024;
/** Characters of a client's login name quoted in the log. */
const LOGIN_EXCERPT = 64;

/**
 * The one place logins are decided, for ENetUC (TCP and WebSocket) and the admin API alike: a password
 * is checked only after {@link LoginThrottle} reserved the attempt (its class comment is the policy); a
 * token only in canonical form, signed, unexpired and at the user's current credential version; a
 * disabled user never gets in. Failures are logged without secrets and with bounded client strings.
 */
export class Authenticator extends EventEmitter<AuthenticatorEvents> {
  readonly #users: UserStore;
  readonly #tokens: TokenService;
  readonly #throttle: LoginThrottle;
  readonly #logger: Logger;
  readonly #adminTokenDigest: Buffer | undefined;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: AuthenticatorOptions) {
    super();
    this.#users = options.users;
    this.#tokens = options.tokens;
    this.#throttle = options.throttle;
    this.#logger = options.logger.child({ component: 'auth' });
    this.#adminTokenDigest = options.adminToken ? digest(options.adminToken) : undefined;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
  }

  get tokens(): TokenService {
    return this.#tokens;
  }

  async authenticate(credentials: Credentials, source: string): Promise<AuthResult> {
    return credentials.kind === 'basic'
      ? this.#password(credentials.login, credentials.password, source)
      : this.#token(credentials.token, source);
  }

  /**
   * True when `token` is the admin API's static token (compared in constant time). A mismatch is not
   * counted here: the caller goes on to try it as a login token, which counts a forgery once.
   * @throws LockedOutError while bearer logins from `source` are locked out.
   */
  isAdminToken(token: string, source: string): boolean {
    if (!this.#adminTokenDigest) return false;
    this.#refuseLockedBearer(source, 'admin-token');
    const match = timingSafeEqual(digest(token), this.#adminTokenDigest);
    if (match) this.#outcome({ method: 'admin-token', result: 'success' });
    return match;
  }

  async #password(login: string, password: string, source: string): Promise<AuthResult> {
    const logged = { login: excerpt(login, LOGIN_EXCERPT), source };
    if (login.length === 0 || login.length > MAX_LOGIN_CHARS || password.length > MAX_PASSWORD_CHARS) {
      // no account has such a name or password: nothing to guess, nothing to hash
      this.#logger.warn({ ...logged, method: 'password' }, 'login failed: oversized credentials');
      this.#outcome({ method: 'password', result: 'failure' });
      throw new AuthenticationError();
    }
    const verdict = this.#throttle.reserve(login, source);
    if (verdict.kind === 'refused') {
      // debug only: an attacker must not be able to fill the log with refusals that cost nothing
      this.#logger.debug({ ...logged, rule: verdict.reason, retryAfterMs: verdict.retryAfterMs }, 'login refused: throttled');
      this.#outcome({ method: 'password', result: 'throttled' });
      throw new LockedOutError(verdict.retryAfterMs);
    }
    const { attempt } = verdict;
    let user: UserRow | undefined;
    try {
      if (verdict.waitMs > 0) await this.#sleep(verdict.waitMs);
      this.emit('passwordcheck');
      user = await this.#users.verify(login, password);
    } catch (err) {
      attempt.release();
      throw err;
    }
    if (!user) {
      attempt.failed();
      this.#logger.warn({ ...logged, method: 'password' }, 'login failed');
      this.#outcome({ method: 'password', result: 'failure' });
      throw new AuthenticationError();
    }
    // the password was right: whoever sent it is no guesser, even if the account is disabled
    attempt.succeeded();
    if (user.disabled) {
      this.#logger.warn({ ...logged, method: 'password' }, 'login refused: account disabled');
      this.#outcome({ method: 'password', result: 'disabled' });
      throw new AccountDisabledError(user.login);
    }
    this.#outcome({ method: 'password', result: 'success' });
    return { user, token: this.#tokens.issue(user) };
  }

  async #token(token: string, source: string): Promise<AuthResult> {
    this.#refuseLockedBearer(source, 'token');
    const check = this.#tokens.verify(token);
    if (!check.ok) {
      if (check.reason !== 'expired') this.#throttle.bearerForged(source);
      this.#logger.warn({ source, method: 'token', reason: check.reason }, 'login failed');
      this.#outcome({ method: 'token', result: 'failure' });
      throw new AuthenticationError('invalid or expired token');
    }
    const { claims } = check;
    const user = await this.#users.getById(claims.sub);
    // a token outlives neither its user, nor a rename, nor a password change or a disable (credential version)
    const valid = user !== undefined && user.login === claims.login && user.tokenVersion === claims.ver && !user.disabled;
    if (!valid) {
      this.#logger.warn({ source, method: 'token', login: excerpt(claims.login, LOGIN_EXCERPT), reason: user?.disabled ? 'disabled' : 'revoked' }, 'login failed');
      this.#outcome({ method: 'token', result: user?.disabled ? 'disabled' : 'failure' });
      throw new AuthenticationError('invalid or expired token');
    }
    this.#outcome({ method: 'token', result: 'success' });
    return { user, token: this.#tokens.issue(user) };
  }

  #refuseLockedBearer(source: string, method: LoginOutcome['method']): void {
    const wait = this.#throttle.bearerRetryAfter(source);
    if (wait <= 0) return;
    this.#logger.debug({ source, method, retryAfterMs: wait }, 'login refused: too many forged tokens');
    this.#outcome({ method, result: 'throttled' });
    throw new LockedOutError(wait);
  }

  #outcome(outcome: LoginOutcome): void {
    this.emit('login', outcome);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
