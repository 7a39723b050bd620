// The System page's rosters of pbx-adapters and cti-gateways, built from their heartbeats: newest run wins,
// silent after 3 intervals, forgotten after max(60 s, 20 intervals), bounded, and their ordering.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayHeartbeat, PbxAdapterHeartbeat } from '@ucserver/shared';
import { CtiGateways } from '../../src/admin/CtiGateways.ts';
import { HeartbeatRoster } from '../../src/admin/HeartbeatRoster.ts';
import { PbxAdapters } from '../../src/admin/PbxAdapters.ts';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const gw = (instanceId: string, startedAt: number, extra: Partial<GatewayHeartbeat> = {}): GatewayHeartbeat => ({ instanceId, startedAt, at: startedAt, intervalMs: 1000, ...extra });

describe('HeartbeatRoster', () => {
  it('keeps the newest run of an instance and ignores a late beat of an older run', () => {
    const c = clock();
    const r = new HeartbeatRoster<{ startedAt: number; intervalMs: number; n: number }>(8, c.now);
    r.heard('a', { startedAt: 2, intervalMs: 1000, n: 1 });
    r.heard('a', { startedAt: 1, intervalMs: 1000, n: 2 });
    assert.deepEqual(r.list().map((e) => e.hb.n), [1]);
    r.heard('a', { startedAt: 3, intervalMs: 1000, n: 3 });
    assert.deepEqual(r.list().map((e) => e.hb.n), [3]);
  });

  it('is alive within 3 intervals, silent after, forgotten after max(60 s, 20 intervals)', () => {
    const c = clock();
    const r = new HeartbeatRoster<{ startedAt: number; intervalMs: number }>(8, c.now);
    r.heard('fast', { startedAt: 1, intervalMs: 1000 });
    r.heard('slow', { startedAt: 1, intervalMs: 5000 });
    c.advance(3000);
    assert.deepEqual(r.list().map((e) => [e.key, e.alive, e.ageMs]), [['fast', true, 3000], ['slow', true, 3000]]);
    c.advance(1);
    assert.deepEqual(r.list().map((e) => [e.key, e.alive]), [['fast', false], ['slow', true]]);
    c.advance(60_000);
    assert.deepEqual(r.list().map((e) => e.key), ['slow'], '61 s: the 1 s instance is forgotten, the 5 s one (100 s) not');
    c.advance(40_000);
    assert.deepEqual(r.list(), []);
  });

  it('remembers at most `max` instances: the one heard longest ago goes first', () => {
    const c = clock();
    const r = new HeartbeatRoster<{ startedAt: number; intervalMs: number }>(2, c.now);
    r.heard('a', { startedAt: 1, intervalMs: 1000 });
    c.advance(10);
    r.heard('b', { startedAt: 1, intervalMs: 1000 });
    c.advance(10);
    r.heard('a', { startedAt: 1, intervalMs: 1000 });
    r.heard('c', { startedAt: 1, intervalMs: 1000 });
    assert.deepEqual(r.list().map((e) => e.key).sort(), ['a', 'c']);
  });
});

describe('CtiGateways', () => {
  it('lists this gateway first, then the others by instance id, with what their heartbeat says', () => {
    const c = clock();
    const g = new CtiGateways('gw-2', c.now);
    g.heard(gw('gw-3', 5, { clients: 4, journal: false, host: 'h3', version: '0.1.0' }));
    g.heard(gw('gw-2', 6, { clients: 7, journal: false }));
    g.heard(gw('gw-1', 7, { clients: 0, journal: true }));
    g.heard(gw('gw-0', 8));
    const list = g.list();
    assert.deepEqual(list.map((x) => [x.instanceId, x.self]), [['gw-2', true], ['gw-0', false], ['gw-1', false], ['gw-3', false]]);
    assert.deepEqual(list.find((x) => x.instanceId === 'gw-3'), { instanceId: 'gw-3', host: 'h3', version: '0.1.0', clients: 4, journal: false, self: false, startedAt: 5, lastSeen: c.now(), heartbeatAgeMs: 0, ok: true });
    assert.deepEqual(Object.keys(list.find((x) => x.instanceId === 'gw-0')!).sort(), ['heartbeatAgeMs', 'instanceId', 'lastSeen', 'ok', 'self', 'startedAt'], 'an older gateway\'s beat without the optional fields');
    c.advance(3001);
    assert.ok(g.list().every((x) => !x.ok));
  });
});

describe('PbxAdapters', () => {
  const hb = (holder: string, role: PbxAdapterHeartbeat['role'], startedAt = 1): PbxAdapterHeartbeat => ({ holder, run: 'r', host: 'h', sip: holder, role, leaseHolder: null, version: '1', startedAt, at: startedAt, intervalMs: 1000 });

  it('puts the live active adapter first; a fenced or stopped one is not ok', () => {
    const c = clock();
    const a = new PbxAdapters(c.now);
    a.heard(hb('a', 'standby'));
    a.heard(hb('b', 'fenced'));
    a.heard(hb('c', 'active'));
    assert.deepEqual(a.list().map((x) => [x.instance, x.ok]), [['c', true], ['a', true], ['b', false]]);
    c.advance(3001);
    assert.deepEqual(a.list().map((x) => [x.instance, x.ok]), [['a', false], ['b', false], ['c', false]], 'a silent active one loses its place');
  });
});
