/** What the presence panel shows of a user: one badge. */
export type PresenceBadge = 'free' | 'busy' | 'ringing' | 'dnd' | 'away' | 'offline';

export type ForwardKind = 'immediate' | 'busy' | 'no-answer';

export interface LineForwardSetting {
  kind: ForwardKind;
  destination: string;
  /** Seconds, for no-answer. */
  noAnswerS: number;
}

/** One user as the presence list shows them. */
export interface PresenceEntry {
  contactId: string;
  name: string;
  badge: PresenceBadge;
  /** iPresenceState as sent. */
  state: number;
  absent: number | undefined;
  note: string;
  /** Line numbers. */
  lines: string[];
  /** Numbers of the lines with DND. */
  dndLines: string[];
  forwards: Array<LineForwardSetting & { line: string }>;
}

/** The forwards to save for one line: a mode left out (or with an empty destination) is removed. */
export interface ForwardForm {
  immediate: string;
  busy: string;
  noAnswer: string;
  noAnswerS: number;
}
