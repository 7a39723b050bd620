// CallForwarding with mocked timers and a recording PBX: the no-answer redirect after the forward's
// seconds (not once the call is answered or over), the busy target taken once, and the bound.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { testLogger } from '@ucserver/testkit';
import { CallForwarding } from '../../src/av/CallForwarding.ts';
import type { CallForwardingDeps } from '../../src/av/CallForwardingTypes.ts';

function setup(maxTracked?: number) {
  const redirects: Array<[string, string]> = [];
  const states = new Map<string, string>();
  const calls = Object.assign(new EventEmitter(), { get: (id: string) => (states.has(id) ? { callId: id, state: states.get(id) } : undefined) });
  const forwarding = new CallForwarding({
    pbx: { redirect: async (callId: string, target: string) => void redirects.push([callId, target]) },
    calls: calls as unknown as CallForwardingDeps['calls'],
    logger: testLogger('forwarding'),
    ...(maxTracked ? { maxTracked } : {}),
  });
  const change = (callId: string, state: string) => {
    states.set(callId, state);
    calls.emit('callchanged', { callId, state }, { callId, state });
  };
  return { forwarding, redirects, change, states };
}

describe('CallForwarding', () => {
  it('redirects a call still offering after the no-answer seconds, once', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { forwarding, redirects, states } = setup();
    states.set('c1', 'offering');
    forwarding.track('c1', { noAnswer: { target: '104', afterS: 3 } });
    t.mock.timers.tick(2999);
    assert.deepEqual(redirects, []);
    t.mock.timers.tick(1);
    assert.deepEqual(redirects, [['c1', '104']]);
    assert.equal(forwarding.size, 0);
    forwarding.close();
  });

  it('an answered or ended call is not redirected; its busy target is gone', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { forwarding, redirects, change } = setup();
    forwarding.track('a', { busyTarget: '103', noAnswer: { target: '104', afterS: 3 } });
    forwarding.track('b', { noAnswer: { target: '104', afterS: 3 } });
    change('a', 'connected');
    change('b', 'disconnected');
    t.mock.timers.tick(5000);
    assert.deepEqual(redirects, []);
    assert.equal(forwarding.takeBusyTarget('a'), undefined);
    forwarding.close();
  });

  it('a call never heard of is not redirected (the adapter refused its INVITE before offering it)', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { forwarding, redirects } = setup();
    forwarding.track('unknown', { noAnswer: { target: '104', afterS: 3 } });
    t.mock.timers.tick(3000);
    assert.deepEqual(redirects, []);
    assert.equal(forwarding.size, 0);
    forwarding.close();
  });

  it('the busy target is taken once; a call without forwards is not tracked', () => {
    const { forwarding } = setup();
    forwarding.track('x', {});
    assert.equal(forwarding.size, 0);
    forwarding.track('y', { busyTarget: '103' });
    assert.equal(forwarding.takeBusyTarget('y'), '103');
    assert.equal(forwarding.takeBusyTarget('y'), undefined);
    forwarding.close();
  });

  it('tracks at most maxTracked calls (the oldest is forgotten) and close() clears every timer', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { forwarding, redirects } = setup(2);
    for (const id of ['1', '2', '3']) forwarding.track(id, { busyTarget: 'b', noAnswer: { target: 't', afterS: 1 } });
    assert.equal(forwarding.size, 2);
    assert.equal(forwarding.takeBusyTarget('1'), undefined);
    forwarding.close();
    t.mock.timers.tick(2000);
    assert.deepEqual(redirects, []);
  });
});
