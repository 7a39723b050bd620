import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bdecode, bencode, type BencodeValue } from '@ucserver/testkit';

describe('bencode', () => {
  const cases: { name: string; input: BencodeValue; expected: string }[] = [
    { name: 'an integer', input: 42, expected: 'i42e' },
    { name: 'a negative integer', input: -7, expected: 'i-7e' },
    { name: 'zero', input: 0, expected: 'i0e' },
    { name: 'a string', input: 'spam', expected: '4:spam' },
    { name: 'an empty string', input: '', expected: '0:' },
    { name: 'a UTF-8 string by byte length', input: 'é', expected: '2:é' },
    { name: 'a list', input: ['a', 1, []], expected: 'l1:ai1elee' },
    { name: 'a dictionary with sorted keys', input: { 'to-tag': 'b', command: 'ping', 'call-id': 'x' }, expected: 'd7:call-id1:x7:command4:ping6:to-tag1:be' },
    { name: 'an ng offer with flags', input: { command: 'offer', flags: ['trust-address'], sdp: 'v=0' }, expected: 'd7:command5:offer5:flagsl13:trust-addresse3:sdp3:v=0e' },
  ];
  for (const c of cases) {
    it(`bencode of ${c.name} gives ${c.expected}`, () => {
      assert.equal(bencode(c.input).toString('utf8'), c.expected);
    });
    it(`bdecode of ${c.expected} gives back ${c.name}`, () => {
      const expected = typeof c.input === 'object' && !Array.isArray(c.input) ? Object.fromEntries(Object.entries(c.input)) : c.input;
      assert.deepEqual(bdecode(c.expected), expected);
    });
  }

  const errors: { name: string; input: string; error: RegExp }[] = [
    { name: 'trailing bytes', input: 'i1ei2e', error: /trailing bytes/ },
    { name: 'an unterminated integer', input: 'i12', error: /unterminated integer/ },
    { name: 'a bad integer', input: 'i1x2e', error: /bad integer/ },
    { name: 'a string past the end', input: '10:abc', error: /runs past the end/ },
    { name: 'an unterminated list', input: 'l1:a', error: /unexpected end|unterminated/ },
    { name: 'a non-string key', input: 'di1e1:ae', error: /not a string/ },
    { name: 'an unknown type byte', input: 'x', error: /unexpected byte/ },
  ];
  for (const c of errors) {
    it(`bdecode of ${c.name} throws`, () => {
      assert.throws(() => bdecode(c.input), c.error);
    });
  }

  it('bencode refuses fractions', () => {
    assert.throws(() => bencode(1.5), /only integers/);
  });

  it('bdecode reads an rtpengine statistics reply', () => {
    const reply = 'd10:statisticsd17:currentstatisticsd11:sessionsowni1ee15:totalstatisticsd14:relayedpacketsi60eee6:result2:oke';
    assert.deepEqual(bdecode(reply), { statistics: { currentstatistics: { sessionsown: 1 }, totalstatistics: { relayedpackets: 60 } }, result: 'ok' });
  });
});
