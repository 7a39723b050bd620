export interface ManualPresenceStoreEvents {
  /** The absent state or note of a user changed (already persisted). */
  changed: [userId: string];
}
