import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sipfragStatus, transferOutcome } from '../../src/calls/transfer.ts';

describe('transferOutcome (the sipfrag of a refer NOTIFY)', () => {
  it('is pending for 1xx and bodies without a status line, settled for 2xx-6xx with the reason', () => {
    assert.equal(transferOutcome('SIP/2.0 100 Trying\r\n'), undefined);
    assert.equal(transferOutcome('SIP/2.0 180 Ringing\r\n'), undefined);
    assert.equal(transferOutcome('garbage'), undefined);
    assert.deepEqual(transferOutcome('SIP/2.0 200 OK\r\n'), { succeeded: true, status: '200', reason: 'OK' });
    assert.deepEqual(transferOutcome('SIP/2.0 404 Not Found\r\nVia: x\r\n'), { succeeded: false, status: '404', reason: 'Not Found' });
    assert.deepEqual(transferOutcome('SIP/2.0 486'), { succeeded: false, status: '486', reason: '' });
  });
});

describe('sipfragStatus (how far the transfer got)', () => {
  const cases: Array<[string, number | undefined]> = [
    ['SIP/2.0 100 Trying\r\n', 100],
    ['SIP/2.0 180 Ringing\r\n', 180],
    ['SIP/2.0 183 Session Progress', 183],
    ['SIP/2.0 404 Not Found\r\nVia: x\r\n', 404],
    ['SIP/2.0 1800 Ringing', undefined],
    ['SIP/1.0 180 Ringing', undefined],
    ['Via: SIP/2.0 180', undefined],
    ['', undefined],
  ];
  for (const [sipfrag, status] of cases) {
    it(`${JSON.stringify(sipfrag)} → ${status}`, () => assert.equal(sipfragStatus(sipfrag), status));
  }
});
