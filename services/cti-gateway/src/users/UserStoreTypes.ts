import type { UserRow } from '@ucserver/shared/db';

export type UserRole = UserRow['role'];

export interface NewUser {
  login: string;
  password: string;
  displayName?: string | undefined;
  role?: UserRole | undefined;
  disabled?: boolean | undefined;
}

export interface UserChanges {
  password?: string | undefined;
  displayName?: string | undefined;
  role?: UserRole | undefined;
  /** true disables the user (their tokens die, their sessions are closed); false enables them again. */
  disabled?: boolean | undefined;
}

export interface UserStoreEvents {
  /**
   * The user's credentials were revoked (password changed, or disabled): every token issued before is
   * dead already (credential version); live sessions and pending web sessions are to be closed.
   */
  credentialsrevoked: [user: UserRow, reason: 'password changed' | 'account disabled'];
  /** A user was created, changed (name, role, enabled …) or removed: presence and buddy lists follow. */
  userchanged: [user: UserRow, kind: 'created' | 'updated' | 'removed'];
}
