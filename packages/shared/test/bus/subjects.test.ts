import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MediaCommands, PbxCommands, Subjects } from '@ucserver/shared';

describe('bus - Subjects', () => {
  const s = new Subjects('ucs');
  const rows: Array<{ name: string; actual: string | string[]; expected: string | string[] }> = [
    { name: 'media node command', actual: s.mediaNode('node-1', MediaCommands.pbxOffer), expected: 'ucs.media.node.node-1.pbx.offer' },
    { name: 'media node wildcard', actual: s.mediaNodeAll('node-1'), expected: 'ucs.media.node.node-1.>' },
    { name: 'pbx command', actual: s.pbx(PbxCommands.makeCall), expected: 'ucs.pbx.call.make' },
    { name: 'call event', actual: s.callEvent('line-7'), expected: 'ucs.calls.event.line-7' },
    { name: 'media event', actual: s.mediaEvent('c1'), expected: 'ucs.calls.media.c1' },
    { name: 'stream name', actual: s.callStream, expected: 'UCS_CALLS' },
    { name: 'stream subjects', actual: s.callStreamSubjects, expected: ['ucs.calls.>'] },
  ];
  for (const row of rows) {
    it(`${row.name} is ${JSON.stringify(row.expected)}`, () => assert.deepEqual(row.actual, row.expected));
  }

  for (const bad of ['a.b', 'a b', '*', '>', '', 'x'.repeat(129)]) {
    it(`a token ${JSON.stringify(bad.slice(0, 10))} throws TypeError`, () => {
      assert.throws(() => s.callEvent(bad), TypeError);
    });
  }

  it('new Subjects() with an invalid prefix throws TypeError', () => {
    assert.throws(() => new Subjects('UCS.x'), TypeError);
  });
});
