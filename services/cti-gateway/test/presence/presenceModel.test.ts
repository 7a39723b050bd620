import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filterPresence, fullPresence, presenceDelta, presenceState, type PresenceCallFacts, type PresenceFacts } from '../../src/presence/presenceModel.ts';

const base: PresenceFacts = Object.freeze({
  contactId: 'bob',
  login: 'bob',
  displayName: 'Bob B',
  online: true,
  lines: [{ number: '101', dnd: false }],
  calls: [],
  manual: { absent: undefined, note: '' },
});
const call = (state: PresenceCallFacts['state'], callId = 'c1'): PresenceCallFacts => ({ callId, lineNumber: '101', state, direction: 'inbound', remoteNumber: '100', remoteName: undefined });

// low byte: 0 uncontrolled, 1 available, 2 busy, 3 absent, 4 dnd; flags: RINGING 0x01000000, CALL 0x04000000, OFFLINE 0x08000000, NOTESET 0x10000000
const table: Array<[string, Partial<PresenceFacts>, number]> = [
  ['idle, client connected', {}, 0x1],
  ['no client connected', { online: false }, 0x0800_0000],
  ['ringing', { calls: [call('offering')] }, 0x0100_0001],
  ['dialing', { calls: [call('dialing')] }, 0x0400_0002],
  ['ringback', { calls: [call('ringback')] }, 0x0400_0002],
  ['on the phone', { calls: [call('connected')] }, 0x0400_0002],
  ['on hold', { calls: [call('held')] }, 0x0400_0002],
  ['on the phone with a second call ringing', { calls: [call('connected'), call('offering', 'c2')] }, 0x0500_0002],
  ['a disconnected call counts for nothing', { calls: [call('disconnected')] }, 0x1],
  ['DND on a line', { lines: [{ number: '101', dnd: true }] }, 0x4],
  ['DND on a line while on the phone', { lines: [{ number: '101', dnd: true }], calls: [call('connected')] }, 0x0400_0004],
  ['absent: out of office', { manual: { absent: { u8sContactId: 'bob', eAbsentState: 1 }, note: '' } }, 0x3],
  ['absent: busy', { manual: { absent: { u8sContactId: 'bob', eAbsentState: 2 }, note: '' } }, 0x2],
  ['absent: do not disturb', { manual: { absent: { u8sContactId: 'bob', eAbsentState: 3 }, note: '' } }, 0x4],
  ['absent: not absent', { manual: { absent: { u8sContactId: 'bob', eAbsentState: 0 }, note: '' } }, 0x1],
  ['out of office but on the phone', { manual: { absent: { u8sContactId: 'bob', eAbsentState: 1 }, note: '' }, calls: [call('connected')] }, 0x0400_0002],
  ['a note set', { manual: { absent: undefined, note: 'lunch' } }, 0x1000_0001],
  ['offline with a note', { online: false, manual: { absent: undefined, note: 'x' } }, 0x1800_0000],
];

describe('presence model: iPresenceState from the server state', () => {
  for (const [name, change, expected] of table) {
    it(`${name} → 0x${expected.toString(16)}`, () => {
      assert.equal(presenceState({ ...base, ...change }), expected);
    });
  }

  it('the full presence carries names, numbers, lines, calls, absent state and note', () => {
    const p = fullPresence({ ...base, lines: [{ number: '101', dnd: true }, { number: '111', dnd: false }], calls: [call('held')], manual: { absent: undefined, note: 'n' } });
    assert.deepEqual(p.asnRemoteContact, { u8sDisplayName: 'Bob B', u8sCtiServerUserName: 'bob', u8sPhoneBusiness: '101', u8sPhoneBusiness2: '111' });
    assert.deepEqual(p.seqPhoneLines?.map((l) => [l.u8sLinePhoneNumber, l.iDoNotDisturb]), [['tel:101', 1], ['tel:111', 0]]);
    assert.deepEqual(p.seqCalls?.map((c) => [c.u8sConnectionID, c.eCallState, c.bOutbound]), [['c1', 128, false]]);
    assert.deepEqual(p.asnAbsentState, { u8sContactId: 'bob', eAbsentState: 4 });
    assert.equal(p.asnCustomNote?.u8sNote, 'n');
  });
});

describe('presence model: deltas', () => {
  it('no visible change gives no update', () => {
    assert.equal(presenceDelta(fullPresence(base), fullPresence({ ...base })), undefined);
  });

  it('a call added, changed and removed: only presence and calls, with iAction 1, 3, 2', () => {
    const idle = fullPresence(base);
    const ringing = fullPresence({ ...base, calls: [call('offering')] });
    const connected = fullPresence({ ...base, calls: [call('connected')] });
    const added = presenceDelta(idle, ringing)!;
    assert.equal(added.iChangedFlags, 1 | 256);
    assert.deepEqual(Object.keys(added.presence).sort(), ['iPresenceState', 'seqCalls', 'u8sContactId']);
    assert.equal(added.presence.seqCalls![0]!.iAction, 1);
    assert.equal(presenceDelta(ringing, connected)!.presence.seqCalls![0]!.iAction, 3);
    const removed = presenceDelta(connected, idle)!;
    assert.deepEqual(removed.presence.seqCalls!.map((c) => [c.iAction, c.eCallState]), [[2, 256]]);
    assert.equal(removed.presence.iPresenceState, 1);
  });

  it('absent state, note and DND each set their own changed flag', () => {
    const p0 = fullPresence(base);
    assert.equal(presenceDelta(p0, fullPresence({ ...base, manual: { absent: { u8sContactId: 'bob', eAbsentState: 1 }, note: '' } }))!.iChangedFlags, 1 | 16);
    assert.equal(presenceDelta(p0, fullPresence({ ...base, manual: { absent: undefined, note: 'x' } }))!.iChangedFlags, 1 | 32);
    assert.equal(presenceDelta(p0, fullPresence({ ...base, lines: [{ number: '101', dnd: true }] }))!.iChangedFlags, 1 | 128);
  });

  it('a forward set on a line is listed and announced with the PhoneForwards flag only', () => {
    const p0 = fullPresence(base);
    const p1 = fullPresence({ ...base, lines: [{ number: '101', dnd: false, forwards: [{ mode: 2, destination: '102', noAnswerS: 0 }, { mode: 4, destination: '103', noAnswerS: 15 }] }] });
    assert.deepEqual(p1.seqLineForwards, [
      { u8sLinePhoneNumber: 'tel:101', u8sLineNumber: '101', iInternalID: 1, u8sDestination: '102', iForwardMode: 2 },
      { u8sLinePhoneNumber: 'tel:101', u8sLineNumber: '101', iInternalID: 2, u8sDestination: '103', iForwardMode: 4, iNoAnswerTime: 15 },
    ]);
    const delta = presenceDelta(p0, p1)!;
    assert.equal(delta.iChangedFlags, 512);
    assert.equal(delta.presence.seqLineForwards!.length, 2);
    assert.equal(presenceDelta(p1, p1), undefined);
  });
});

describe('presence model: section filter', () => {
  const p = fullPresence({ ...base, calls: [call('connected')], manual: { absent: undefined, note: 'n' } });
  const table: Array<[number, string[]]> = [
    [0, ['u8sContactId']],
    [1, ['iPresenceState', 'u8sContactId']],
    [2, ['asnRemoteContact', 'u8sContactId']],
    [16 | 32, ['asnAbsentState', 'asnCustomNote', 'u8sContactId']],
    [128 | 256 | 512, ['seqCalls', 'seqLineForwards', 'seqPhoneLines', 'u8sContactId']],
  ];
  for (const [flags, keys] of table) {
    it(`flags ${flags} keep ${keys.join(', ')}`, () => assert.deepEqual(Object.keys(filterPresence(p, flags)).sort(), keys));
  }
});
