import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transferOutcome } from '../../src/calls/transfer.ts';

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
