// Who may pick up whose call: pure rules over the pickup groups (no I/O), so they are tested on their own.

/** A pickup group as the rules see it: its members, by line id and by user id. */
export interface PickupGroupMembers {
  name: string;
  lineIds: ReadonlySet<string>;
  userIds: ReadonlySet<string>;
}

/** The user taking the call, and the line the call goes to. */
export interface Picker {
  userId: string;
  lineId: string;
}

/** The line the call rings on, and its owner (if any). */
export interface RingingLine {
  lineId: string;
  ownerUserId: string | null;
}

/** A group holds a party as a member line, or as the member user owning it. */
function holds(group: PickupGroupMembers, lineId: string, userId: string | null): boolean {
  return group.lineIds.has(lineId) || (userId !== null && group.userIds.has(userId));
}

/**
 * The groups that allow `picker` to take a call ringing on `ringing`: those holding both (the picker as
 * user or through the picking line, the ringing line as line or through its owner). Empty: refused.
 */
export function groupsAllowingPickup(groups: readonly PickupGroupMembers[], picker: Picker, ringing: RingingLine): string[] {
  if (picker.lineId === ringing.lineId) return [];
  return groups
    .filter((g) => (g.userIds.has(picker.userId) || g.lineIds.has(picker.lineId)) && holds(g, ringing.lineId, ringing.ownerUserId))
    .map((g) => g.name);
}
