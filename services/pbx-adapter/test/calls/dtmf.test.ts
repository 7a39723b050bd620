// DTMF INFO bodies (application/dtmf-relay).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dtmfRelayBody, parseDtmfRelay, splitDigits } from '../../src/calls/dtmf.ts';

describe('dtmfRelayBody()', () => {
  const rows: Array<{ name: string; input: [string, number]; expected: string }> = [
    { name: 'a digit', input: ['5', 160], expected: 'Signal=5\r\nDuration=160\r\n' },
    { name: 'star', input: ['*', 100], expected: 'Signal=*\r\nDuration=100\r\n' },
    { name: 'hash', input: ['#', 250], expected: 'Signal=#\r\nDuration=250\r\n' },
    { name: 'a lower-case letter (upper-cased)', input: ['d', 40], expected: 'Signal=D\r\nDuration=40\r\n' },
  ];
  for (const row of rows) it(`dtmfRelayBody() with ${row.name} returns the relay body`, () => assert.equal(dtmfRelayBody(...row.input), row.expected));
  const errors: Array<{ name: string; input: [string, number] }> = [
    { name: 'a letter that is no DTMF digit', input: ['E', 160] },
    { name: 'two digits', input: ['12', 160] },
    { name: 'a zero duration', input: ['1', 0] },
    { name: 'a fractional duration', input: ['1', 1.5] },
  ];
  for (const row of errors) it(`dtmfRelayBody() with ${row.name} throws TypeError`, () => assert.throws(() => dtmfRelayBody(...row.input), TypeError));
});

describe('parseDtmfRelay()', () => {
  it('parseDtmfRelay() round-trips dtmfRelayBody()', () => {
    for (const d of '0123456789*#ABCD') assert.deepEqual(parseDtmfRelay(dtmfRelayBody(d, 120)), { signal: d, durationMs: 120 });
  });
  it('parseDtmfRelay() with LF line ends, spaces and no duration', () => {
    assert.deepEqual(parseDtmfRelay('Signal= 7\nfoo=bar\n'), { signal: '7', durationMs: undefined });
  });
  it('parseDtmfRelay() without a valid signal is undefined', () => {
    assert.equal(parseDtmfRelay('Duration=100\r\n'), undefined);
    assert.equal(parseDtmfRelay('Signal=X\r\n'), undefined);
  });
});

describe('splitDigits()', () => {
  it('splitDigits() upper-cases and drops what is no digit', () => assert.deepEqual(splitDigits('1a*#-9'), ['1', 'A', '*', '#', '9']));
});
