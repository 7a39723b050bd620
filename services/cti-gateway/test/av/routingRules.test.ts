// The verdict table of a line's routing: DND, each forward mode, and the hop limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeIncoming, type RoutingOutcome } from '../../src/av/routingRules.ts';
import type { LineForward, LineRoutingState } from '../../src/lines/LineRoutingTypes.ts';

const imm: LineForward = { mode: 'immediate', destination: '102', noAnswerS: 0 };
const busy: LineForward = { mode: 'busy', destination: '103', noAnswerS: 0 };
const noAns: LineForward = { mode: 'no-answer', destination: '104', noAnswerS: 3 };
const noAnsDefault: LineForward = { mode: 'no-answer', destination: '104', noAnswerS: 0 };
const state = (dnd: boolean, ...forwards: LineForward[]): LineRoutingState => ({ dnd, forwards });

describe('routeIncoming()', () => {
  const rows: Array<[string, LineRoutingState, number, RoutingOutcome]> = [
    ['nothing set: offered', state(false), 0, { kind: 'offer' }],
    ['DND: refused dnd', state(true), 0, { kind: 'refuse', reason: 'dnd' }],
    ['unconditional: redirect', state(false, imm), 0, { kind: 'redirect', target: '102', mode: 'immediate' }],
    ['unconditional wins over DND and the others', state(true, imm, busy, noAns), 0, { kind: 'redirect', target: '102', mode: 'immediate' }],
    ['DND + busy forward: redirect busy', state(true, busy), 0, { kind: 'redirect', target: '103', mode: 'busy' }],
    ['busy forward without DND: offered, busy target kept', state(false, busy), 0, { kind: 'offer', busyTarget: '103' }],
    ['no-answer with its own time', state(false, noAns), 0, { kind: 'offer', noAnswer: { target: '104', afterS: 3 } }],
    ['no-answer with the default time', state(false, noAnsDefault), 0, { kind: 'offer', noAnswer: { target: '104', afterS: 20 } }],
    ['busy + no-answer', state(false, busy, noAns), 1, { kind: 'offer', busyTarget: '103', noAnswer: { target: '104', afterS: 3 } }],
    ['hop limit reached: unconditional ignored, offered', state(false, imm), 2, { kind: 'offer' }],
    ['hop limit reached: DND + busy refuses dnd', state(true, busy), 2, { kind: 'refuse', reason: 'dnd' }],
    ['hop limit reached: no-answer not armed', state(false, busy, noAns), 5, { kind: 'offer' }],
    ['one below the limit still forwards', state(false, imm), 1, { kind: 'redirect', target: '102', mode: 'immediate' }],
  ];
  for (const [name, s, hops, expected] of rows) {
    it(`${name} (hops ${hops})`, () => assert.deepEqual(routeIncoming(s, { hops, maxHops: 2, defaultNoAnswerS: 20 }), expected));
  }
  it('FORWARD_MAX_HOPS 0 disables forwarding', () => {
    assert.deepEqual(routeIncoming(state(false, imm), { hops: 0, maxHops: 0, defaultNoAnswerS: 20 }), { kind: 'offer' });
  });
});
