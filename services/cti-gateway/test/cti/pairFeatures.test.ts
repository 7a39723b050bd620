// The features a call has because of its line's other call (ENetUC_CTI EnumCallFeatures: swap, merge and the
// European conference need one talking and one held call of the same line, on both calls), table-driven; and
// LineCallFeatures: a sibling's change that alters a call's features is reported once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActiveCall } from '../../src/calls/CallRegistry.ts';
import { callInformation, pairFeatures } from '../../src/cti/ctiMapping.ts';
import { LineCallFeatures } from '../../src/cti/LineCallFeatures.ts';
import { EnumCallFeatures as F } from '../../src/protocol/mod.ts';

const PAIR = F.eCFEATURESWAPHOLD | F.eCFEATUREMERGECALLS | F.eCFEATURECONFERENCESTARTEU;

function call(id: string, state: ActiveCall['state'], extra: Partial<ActiveCall> = {}): ActiveCall {
  return {
    callId: id, lineId: 'L1', lineNumber: '100', direction: 'outbound', state, remoteNumber: '101', remoteName: undefined,
    createdAt: 0, connectedAt: 0, disconnectedAt: undefined, cause: undefined, hold: state === 'held' ? 'local' : undefined,
    mediaNodeId: 'n', mediaPath: 'pbx', lastSeq: 1, pickedUpFrom: undefined, ...extra,
  };
}

describe('pairFeatures', () => {
  const cases: Array<[string, ActiveCall, ActiveCall[], number]> = [
    ['talking, another held here', call('a', 'connected'), [call('b', 'held')], PAIR],
    ['held here, another talking', call('b', 'held'), [call('a', 'connected')], PAIR],
    ['talking alone', call('a', 'connected'), [], 0],
    ['two talking', call('a', 'connected'), [call('b', 'connected')], 0],
    ['talking, the other held by its far end', call('a', 'connected'), [call('b', 'held', { hold: 'remote' })], 0],
    ['held by the far end, another talking', call('b', 'held', { hold: 'remote' }), [call('a', 'connected')], 0],
    ['held on both sides, another talking', call('b', 'held', { hold: 'both' }), [call('a', 'connected')], PAIR],
    ['talking, a held call of another line', call('a', 'connected'), [call('b', 'held', { lineId: 'L2' })], 0],
    ['ringing, another held', call('a', 'offering'), [call('b', 'held')], 0],
    ['both in a conference already', call('a', 'connected', { conferenceId: 'c' }), [call('b', 'held', { conferenceId: 'c' })], 0],
  ];
  for (const [name, c, others, want] of cases) {
    test(name, () => {
      assert.equal(pairFeatures(c, [c, ...others]), want);
      assert.equal(callInformation(c, 'current', [c, ...others]).iFeatures & PAIR, want, 'in the call information');
    });
  }
  test('a destroyed call has none', () => {
    const a = call('a', 'connected');
    assert.equal(callInformation(a, 'destroyed', [a, call('b', 'held')]).iFeatures, F.eCFEATURENONE);
  });
});

describe('LineCallFeatures', () => {
  test('reports a sibling whose features changed, once; forgets ended calls', () => {
    const f = new LineCallFeatures();
    const a = call('a', 'connected');
    f.sent(a, callInformation(a, 'current', [a]).iFeatures);
    // b is put on hold by us: a (talking) gains swap/merge/conference
    const b = call('b', 'held');
    const line = [a, b];
    assert.deepEqual(f.changedSiblings(b, line).map((x) => [x.u8sConnectionID, x.iFeatures & PAIR]), [['a', PAIR]]);
    assert.deepEqual(f.changedSiblings(b, line), [], 'not again while nothing changes');
    // b ends: a loses them
    const bGone = { ...b, state: 'disconnected' as const };
    f.sent(bGone, 0);
    assert.deepEqual(f.changedSiblings(bGone, [a]).map((x) => [x.u8sConnectionID, x.iFeatures & PAIR]), [['a', 0]]);
  });
});
