// Contract of the SessionTimer.
import type { Clock } from '../sip/mod.ts';

export interface SessionTimerOptions {
  onRefresh: () => void;
  onExpire: () => void;
  clock?: Clock | undefined;
}
