import type { Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
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

export interface AuthenticatorOptions {
  users: UserStore;
  tokens: TokenService;
  throttle: LoginThrottle;
  logger: Logger;
  /** The admin API's static bearer token (ADMIN_TOKEN), when configured. */
  adminToken?: string | undefined;
  /** Waits before a spaced password check; tests inject one. Default timers/promises setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** How one login attempt ended, for the metrics. */
export interface LoginOutcome {
  method: 'password' | 'token' | 'admin-token';
  result: 'success' | 'failure' | 'throttled' | 'disabled';
}

export interface AuthenticatorEvents {
  /** A password hash was computed (a check of a password against a user's, or the dummy's). */
  passwordcheck: [];
  login: [outcome: LoginOutcome];
}
