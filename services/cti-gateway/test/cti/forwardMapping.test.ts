// ENetUC forward modes and AsnLineForward entries from our line routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardModeFrom, lineForwards } from '../../src/cti/forwardMapping.ts';
import { AsnLineForward, buildEvent, decodeArgument } from '../../src/protocol/mod.ts';

describe('forwardModeFrom()', () => {
  const rows: Array<[number | undefined, string | undefined]> = [
    [undefined, 'immediate'], [0, 'immediate'], [1, 'immediate'], [8, 'immediate'], [9, 'immediate'],
    [2, 'busy'], [4, 'busy'], [5, 'busy'],
    [3, 'no-answer'], [6, 'no-answer'], [7, 'no-answer'],
    [10, undefined], [11, undefined], [-1, undefined], [512, undefined],
  ];
  for (const [value, mode] of rows) it(`ForwardMode ${String(value)} → ${String(mode)}`, () => assert.equal(forwardModeFrom(value), mode));
});

describe('lineForwards()', () => {
  it('maps each mode to its EnumForwardModes bit, server/user controller, position as id; no-answer keeps its seconds', () => {
    const out = lineForwards([
      { mode: 'immediate', destination: '102', noAnswerS: 9 },
      { mode: 'busy', destination: '103', noAnswerS: 0 },
      { mode: 'no-answer', destination: '+49301', noAnswerS: 5 },
    ]);
    assert.deepEqual(out.map((f) => [f.iInternalID, f.iForwardController, f.iForwardMode, f.iNoAnswerTime, f.u8sDestination]), [
      [1, 4, 1, 0, '102'], [2, 4, 2, 0, '103'], [3, 4, 4, 5, '+49301'],
    ]);
    // Every entry is a valid AsnLineForward (all members present) and round-trips.
    for (const f of out) assert.deepEqual(AsnLineForward.parse(JSON.parse(JSON.stringify(f))), f);
  });
  it('asnCtiNotifyLineForwardingChanged with the entries round-trips through the codec', () => {
    const argument = { u8sMonitorCrossRefID: 'MCR-1', u8sLinePhoneNumber: 'tel:101', seqLineForwards: lineForwards([{ mode: 'busy', destination: '103', noAnswerS: 0 }]) };
    const wire = JSON.parse(JSON.stringify(buildEvent('asnCtiNotifyLineForwardingChanged', argument))) as { invoke: { argument: unknown } };
    assert.deepEqual(decodeArgument('asnCtiNotifyLineForwardingChanged', wire.invoke.argument), argument);
  });
});
