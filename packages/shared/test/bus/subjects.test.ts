import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, command, Empty, LineCommands, MediaCommands, MediaTopics, PbxCommands } from '@ucserver/shared';
import { Subjects } from '@ucserver/shared/internal';

describe('bus - Subjects', () => {
  const s = new Subjects('ucs');
  const rows: Array<{ name: string; actual: string | string[]; expected: string | string[] }> = [
    { name: 'media node command', actual: s.command(MediaCommands.pbxOffer, 'node-1'), expected: 'ucs.media.node.node-1.pbx.offer' },
    { name: 'pbx command', actual: s.command(PbxCommands.makeCall), expected: 'ucs.pbx.call.make' },
    { name: 'lines command', actual: s.command(LineCommands.list), expected: 'ucs.lines.list' },
    { name: 'call event', actual: s.topic(CallTopics.event, { lineId: 'line-7' } as never), expected: 'ucs.calls.event.line-7' },
    { name: 'call events of every line', actual: s.topicFilter(CallTopics.event), expected: 'ucs.calls.event.*' },
    { name: 'media event', actual: s.topic(CallTopics.media, { callId: 'c1' } as never), expected: 'ucs.calls.media.c1' },
    { name: 'unkeyed topic', actual: s.topicFilter(MediaTopics.heartbeat), expected: 'ucs.media.heartbeat' },
    { name: 'stream name', actual: s.callStream, expected: 'UCS_CALLS' },
    { name: 'stream subjects', actual: s.callStreamSubjects, expected: ['ucs.calls.>'] },
  ];
  for (const row of rows) {
    it(`${row.name} is ${JSON.stringify(row.expected)}`, () => assert.deepEqual(row.actual, row.expected));
  }

  for (const bad of ['a.b', 'a b', '*', '>', '', 'x'.repeat(129)]) {
    it(`a token ${JSON.stringify(bad.slice(0, 10))} throws TypeError`, () => {
      assert.throws(() => s.topicFilter(CallTopics.event, bad), TypeError);
    });
  }

  it('command() of a media command without a node id throws TypeError, of a pbx command with one too', () => {
    assert.throws(() => s.command(MediaCommands.close), TypeError);
    assert.throws(() => s.command(PbxCommands.drop, 'node-1'), TypeError);
  });

  it('command() with a verb that repeats its namespace throws TypeError', () => {
    assert.throws(() => command('lines', 'lines.list', Empty, Empty), TypeError);
  });

  it('new Subjects() with an invalid prefix throws TypeError', () => {
    assert.throws(() => new Subjects('UCS.x'), TypeError);
  });
});
