import type { Logger } from '@ucserver/shared';
import type { Db } from '@ucserver/shared/db';
import type { LineStore } from '../lines/LineStore.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { UserStore } from '../users/UserStore.ts';

export interface ClientContentServiceOptions {
  db: Db;
  users: UserStore;
  lines: LineStore;
  sessions: SessionRegistry;
  logger: Logger;
}
