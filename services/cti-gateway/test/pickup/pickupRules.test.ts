// Who may pick up whose call: the pickup groups' rule, table-driven.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupsAllowingPickup, type PickupGroupMembers } from '../../src/pickup/pickupRules.ts';

const group = (name: string, lineIds: string[], userIds: string[]): PickupGroupMembers => ({ name, lineIds: new Set(lineIds), userIds: new Set(userIds) });

describe('pickup - groupsAllowingPickup', () => {
  // carol (user u-carol, line l-102) picks up a call ringing on bob's line l-101 (owner u-bob)
  const picker = { userId: 'u-carol', lineId: 'l-102' };
  const ringing = { lineId: 'l-101', ownerUserId: 'u-bob' };
  const cases: Array<[string, PickupGroupMembers[], string[]]> = [
    ['no groups: refused', [], []],
    ['both users in one group', [group('sales', [], ['u-bob', 'u-carol'])], ['sales']],
    ['both lines in one group', [group('desk', ['l-101', 'l-102'], [])], ['desk']],
    ['picker as user, ringing line as line', [group('mixed', ['l-101'], ['u-carol'])], ['mixed']],
    ['picker through the picking line, ringing line through its owner', [group('mixed', ['l-102'], ['u-bob'])], ['mixed']],
    ['each in a different group: refused', [group('a', [], ['u-bob']), group('b', [], ['u-carol'])], []],
    ['only the ringing side in the group: refused', [group('sales', ['l-101'], ['u-bob'])], []],
    ['only the picker in the group: refused', [group('sales', ['l-102'], ['u-carol'])], []],
    ['another line of the picker is no member', [group('sales', ['l-101', 'l-109'], [])], []],
    ['two groups allow it: both named', [group('a', [], ['u-bob', 'u-carol']), group('b', ['l-101', 'l-102'], [])], ['a', 'b']],
  ];
  for (const [name, groups, expected] of cases) {
    it(name, () => assert.deepEqual(groupsAllowingPickup(groups, picker, ringing), expected));
  }

  it('a ringing line without owner is held only as a line', () => {
    const noOwner = { lineId: 'l-101', ownerUserId: null };
    assert.deepEqual(groupsAllowingPickup([group('g', [], ['u-carol', 'u-bob'])], picker, noOwner), []);
    assert.deepEqual(groupsAllowingPickup([group('g', ['l-101'], ['u-carol'])], picker, noOwner), ['g']);
  });

  it('never to the line the call rings on', () => {
    assert.deepEqual(groupsAllowingPickup([group('g', ['l-101'], ['u-bob'])], { userId: 'u-bob', lineId: 'l-101' }, ringing), []);
  });
});
