/** What a login token asserts, signed: who, at which credential version, until when. */
export interface TokenClaims {
  /** User id. */
  sub: string;
  login: string;
  /** The user's credential version (users.token_version) when the token was issued. */
  ver: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** The user a token is issued for. */
export interface TokenSubject {
  id: string;
  login: string;
  tokenVersion: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  /**
   * `malformed`: not a token of ours in canonical form; `forged`: well-formed, wrong signature (both are
   * guesses and count against the address); `expired`: genuine but past its expiry.
   */
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };
