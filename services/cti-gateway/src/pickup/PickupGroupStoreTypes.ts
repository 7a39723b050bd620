// Contract of the PickupGroupStore: the admin's view of a pickup group.

/** A pickup group with its members by line number and by login (the admin API's and CLI's shape). */
export interface PickupGroupView {
  id: string;
  name: string;
  lines: string[];
  users: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** What an admin sends to create or replace a group. */
export interface PickupGroupInput {
  name: string;
  /** Member lines by number. */
  lines: string[];
  /** Member users by login (all their lines). */
  users: string[];
}
