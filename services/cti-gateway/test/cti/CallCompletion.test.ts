// CallCompletion's rules with a real CallRegistry fed call events, stand-ins for the line store, the routing
// (DND) and the softphone (remote make-call): busy (CCBS) fires when both lines are free; unanswered (CCNR)
// only once the called line's user finished a call; DND holds it; a caller without a softphone is retried by
// the sweep; requests expire; limits per line.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { CallEvent } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { check, testLogger } from '@ucserver/testkit';
import { CallRegistry } from '../../src/calls/CallRegistry.ts';
import { CallCompletion } from '../../src/cti/CallCompletion.ts';
import type { CallCompletionOptions } from '../../src/cti/CallCompletionTypes.ts';
import type { LineView } from '../../src/lines/LineStore.ts';
import { CtiError, CtiRequestError } from '../../src/session/CtiRequestError.ts';

const line = (id: string, number: string): LineView => ({ id, number, ownerUserId: `u-${number}` }) as LineView;
const LINES = [line('L100', '100'), line('L101', '101'), line('L102', '102')];
const alice = { id: 'u-100', login: 'alice', role: 'user' } as UserRow;
const mayUse = (user: UserRow, l: LineView): void => {
  if (l.ownerUserId !== user.id) throw new CtiRequestError(CtiError.accessdenied, 'not yours');
};

function bed(options: CallCompletionOptions = {}) {
  const calls = new CallRegistry({ lingerMs: 50 });
  const dnd = new Set<string>();
  // LineRouting's events: 'changed' when DND or forwards of a line change.
  const routing = new EventEmitter<{ changed: [lineId: string, state: never] }>();
  const dialled: string[] = [];
  let softphone = true;
  const completion = new CallCompletion({
    calls,
    lines: { get: async (n) => LINES.find((l) => l.number === n), getById: async (id) => LINES.find((l) => l.id === id) },
    routing: Object.assign(routing, { get: async (id: string) => ({ dnd: dnd.has(id), forwards: [] }) as never }) as never,
    devices: {
      remoteMakeCall: async (l, target) => {
        if (!softphone) throw new Error('no softphone is connected');
        dialled.push(`${l.number}→${target}`);
        return `cb-${dialled.length}`;
      },
    },
    logger: testLogger('call-completion'),
  }, { sweepMs: 50, ...options });
  calls.on('callchanged', (call, event, previous) => completion.observe(call, event, previous));
  const seqs = new Map<string, number>();
  const event = (callId: string, lineNumber: string, direction: CallEvent['direction'], remote: string, state: CallEvent['state'], cause?: CallEvent['cause']): void => {
    const seq = (seqs.get(callId) ?? 0) + 1;
    seqs.set(callId, seq);
    calls.applyCallEvent({ callId, lineId: `L${lineNumber}`, lineNumber, direction, remoteNumber: remote, state, seq, at: Date.now(), ...(cause ? { cause } : {}) } as CallEvent);
  };
  /** alice (100) calls `to`; it rings and ends with `cause`. */
  const failed = (callId: string, to: string, cause: NonNullable<CallEvent['cause']>): void => {
    event(callId, '100', 'outbound', to, 'dialing');
    event(callId, '100', 'outbound', to, 'ringback');
    event(callId, '100', 'outbound', to, 'disconnected', cause);
  };
  const talk = (callId: string, lineNumber: string): (() => void) => {
    event(callId, lineNumber, 'inbound', '555', 'offering');
    event(callId, lineNumber, 'inbound', '555', 'connected');
    return () => event(callId, lineNumber, 'inbound', '555', 'disconnected', 'normal');
  };
  return { calls, completion, dialled, dnd, routing, event, failed, talk, noSoftphone: (v: boolean) => { softphone = !v; } };
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('CallCompletion', () => {
  test('busy: marks the call, waits for both lines to be free, dials once; the callback call is marked', async () => {
    const b = bed();
    const hangUpBob = b.talk('b1', '101');
    b.failed('c1', '101', 'busy');
    assert.equal(b.calls.get('c1')?.completion, 'busy');
    await b.completion.request('c1', alice, mayUse);
    const hangUpAlice = b.talk('a2', '100'); // alice takes another call meanwhile
    hangUpBob();
    await settle();
    assert.deepEqual(b.dialled, [], 'alice is on a call: not yet');
    hangUpAlice();
    await check(() => b.dialled.length === 1 || undefined, 2000, { name: 'callback dialled' });
    assert.deepEqual(b.dialled, ['100→101']);
    b.event('cb-1', '100', 'outbound', '101', 'dialing');
    assert.equal(b.calls.get('cb-1')?.callbackFor, 'c1');
    await settle();
    assert.equal(b.dialled.length, 1, 'fired once');
    b.completion.close();
  });

  test('unanswered (CCNR): fires only after the called user finished a call, not merely when the line is idle', async () => {
    const b = bed();
    b.failed('c1', '101', 'no-answer');
    assert.equal(b.calls.get('c1')?.completion, 'no-answer');
    await b.completion.request('c1', alice, mayUse);
    await settle();
    assert.deepEqual(b.dialled, [], 'an idle line whose user was away is not called back');
    b.talk('b1', '101')();
    await check(() => b.dialled.length === 1 || undefined, 2000, { name: 'callback after bob\'s call' });
    b.completion.close();
  });

  test('DND on the called line holds the callback; DND off lets it go at once (routing event), else the sweep does', async () => {
    const b = bed({ sweepMs: 60_000 });
    b.dnd.add('L101');
    b.failed('c1', '101', 'busy');
    await b.completion.request('c1', alice, mayUse);
    await settle();
    assert.deepEqual(b.dialled, []);
    b.dnd.delete('L101');
    b.routing.emit('changed', 'L101', undefined as never);
    await check(() => b.dialled.length === 1 || undefined, 2000, { name: 'callback after DND' });
    b.completion.close();
  });

  test('a caller without a softphone keeps the request; the sweep dials once the softphone is back', async () => {
    const b = bed();
    b.noSoftphone(true);
    b.failed('c1', '101', 'busy');
    await b.completion.request('c1', alice, mayUse);
    await settle();
    assert.equal(b.completion.has('c1'), true);
    b.noSoftphone(false);
    await check(() => b.dialled.length === 1 || undefined, 2000, { name: 'callback when the softphone is back' });
    assert.equal(b.completion.has('c1'), false);
    b.completion.close();
  });

  test('expiry, offer window, limits, causes that are not completable', async () => {
    const b = bed({ waitMs: 100, offerMs: 200, maxPerLine: 1 });
    const expired: string[] = [];
    b.completion.on('expired', (p) => expired.push(p.id));
    b.talk('b1', '101');
    b.failed('c1', '101', 'busy');
    await b.completion.request('c1', alice, mayUse);
    b.talk('b2', '102');
    b.failed('c2', '102', 'busy');
    await assert.rejects(b.completion.request('c2', alice, mayUse), /has 1 callbacks pending already/);
    await check(() => expired.includes('c1') || undefined, 2000, { name: 'expired' });
    assert.equal(b.completion.has('c1'), false);
    await settle(250);
    await assert.rejects(b.completion.request('c2', alice, mayUse), /in the last 0 s|cannot be completed/, 'past the offer window');
    for (const cause of ['rejected', 'normal', 'unavailable'] as const) {
      b.failed(`x-${cause}`, '101', cause);
      assert.equal(b.calls.get(`x-${cause}`)?.completion, undefined, cause);
      await assert.rejects(b.completion.request(`x-${cause}`, alice, mayUse), CtiRequestError);
    }
    // Given up before it rang: not "unanswered"; given up while it rang: unanswered.
    b.event('x-dial', '100', 'outbound', '101', 'dialing');
    b.event('x-dial', '100', 'outbound', '101', 'disconnected', 'cancelled');
    assert.equal(b.calls.get('x-dial')?.completion, undefined);
    b.failed('x-rang', '101', 'cancelled');
    assert.equal(b.calls.get('x-rang')?.completion, 'no-answer');
    assert.deepEqual(b.dialled, []);
    b.completion.close();
  });
});
