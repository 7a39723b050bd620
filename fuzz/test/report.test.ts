// The report's arithmetic and the monitor's /proc parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRecords, parseVmRss } from '../Monitor.ts';
import { countOutcomes, findingText, logGrowthPer1000, summarize } from '../report.ts';
import type { OutcomeRecord, ServiceStats } from '../types.ts';

const rec = (target: OutcomeRecord['target'], outcome: OutcomeRecord['outcome'], ms = 10): OutcomeRecord => ({ target, index: 0, mutation: 'm', outcome, excerpt: 'x', ms });

describe('report', () => {
  it('counts outcomes per target, with the mean time', () => {
    const c = countOutcomes([rec('cti-tcp', 'answered', 10), rec('cti-tcp', 'closed', 30), rec('sip-udp', 'unanswered-allowed'), rec('sip-udp', 'unanswered')], ['cti-tcp', 'sip-udp', 'sdp']);
    assert.deepEqual(c['cti-tcp'], { sent: 2, answered: 1, closed: 1, unansweredAllowed: 0, unanswered: 0, meanMs: 20 });
    assert.deepEqual(c['sip-udp'], { sent: 2, answered: 0, closed: 0, unansweredAllowed: 1, unanswered: 1, meanMs: 10 });
    assert.deepEqual(c['sdp'], { sent: 0, answered: 0, closed: 0, unansweredAllowed: 0, unanswered: 0, meanMs: 0 });
  });

  const stats: ServiceStats = { name: 'g', rssStartKiB: 1024, rssEndKiB: 2048, rssMaxKiB: 3072, logStartBytes: 100, logEndBytes: 2100, crashes: 0 };

  it('log growth per 1000 inputs', () => {
    assert.equal(logGrowthPer1000(stats, 500), 4000);
    assert.equal(logGrowthPer1000(stats, 0), 0);
  });

  const rows: Array<[string, OutcomeRecord[], Array<{ service: string; afterInputs: number; reason: string }>, boolean]> = [
    ['all answered', [rec('cti-tcp', 'answered'), rec('sip-udp', 'unanswered-allowed')], [], true],
    ['one unanswered', [rec('cti-tcp', 'unanswered')], [], false],
    ['a crash', [rec('cti-tcp', 'answered')], [{ service: 'g', afterInputs: 1, reason: 'process exited' }], false],
  ];
  for (const [name, records, crashes, ok] of rows) {
    it(`verdict: ${name} → ${ok ? 'ok' : 'fail'}`, () => {
      const s = summarize({ seed: 1, seconds: 2, records, targets: ['cti-tcp', 'sip-udp'], stats: [stats], crashes });
      assert.equal(s.ok, ok);
      assert.equal(s.inputs, records.length);
      assert.deepEqual(s.services[0], { name: 'g', rssStartMiB: 1, rssEndMiB: 2, rssMaxMiB: 3, logBytesPer1000: Math.round((2000 * 1000) / records.length) });
    });
  }

  it('a finding names seed, index and how to replay it', () => {
    const text = findingText({ ...rec('sdp', 'unanswered'), index: 42, detail: 'no answer' }, 9);
    assert.match(text, /seed: +9/);
    assert.match(text, /index: +42/);
    assert.match(text, /npm run fuzz -- --seed 9 --replay sdp:42/);
  });

  it('parses VmRSS from /proc/<pid>/status', () => {
    assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nThreads: 7\n'), 123456);
    assert.equal(parseVmRss('Name:\tzombie\n'), undefined);
  });
});

describe('errorRecords', () => {
  it('counts pino records at level 50 and 60, by message and error', () => {
    const text = [
      '{"level":30,"msg":"ok"}',
      '{"level":50,"msg":"durable handler failed","err":{"message":"no journal row yet for call 1"}}',
      '{"level":50,"msg":"durable handler failed","err":{"message":"no journal row yet for call 1"}}',
      '{"level":60,"msg":"fatal","err":"boom"}',
      '{"level":40,"msg":"warn"}',
      '{"level":50,"msg":"trunc',
    ].join('\n');
    const r = errorRecords(text);
    assert.equal(r.count, 4);
    assert.deepEqual(r.top[0], ['durable handler failed: no journal row yet for call 1', 2]);
    assert.ok(r.top.some(([m]) => m === 'fatal: boom'));
  });
});
