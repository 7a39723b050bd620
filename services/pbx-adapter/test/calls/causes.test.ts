// The tables between SIP statuses and the bus contract's causes and reasons.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MediaErrorCodes } from '@ucserver/shared';
import { causeOfStatus, DROP_RESPONSE, forwardHops, hangupCause, refusalResponse, statusOfMediaError } from '../../src/calls/causes.ts';
import { SipHeaders } from '../../src/sip/SipHeaders.ts';

describe('causeOfStatus()', () => {
  const rows: Array<[number, string]> = [
    [486, 'busy'], [600, 'busy'],
    [404, 'not-found'], [484, 'not-found'], [604, 'not-found'],
    [480, 'unavailable'], [408, 'timeout'], [487, 'cancelled'], [603, 'rejected'],
    [300, 'redirected'], [301, 'redirected'], [302, 'redirected'], [380, 'redirected'],
    [400, 'error'], [403, 'error'], [488, 'error'], [500, 'error'], [503, 'error'], [606, 'error'],
  ];
  for (const [status, cause] of rows) it(`causeOfStatus(${status}) is ${cause}`, () => assert.equal(causeOfStatus(status), cause));
});

describe('DROP_RESPONSE', () => {
  it('maps every drop reason of a ringing call to its status and cause', () => {
    assert.deepEqual(DROP_RESPONSE, {
      busy: { status: 486, cause: 'busy' },
      decline: { status: 603, cause: 'rejected' },
      unavailable: { status: 480, cause: 'unavailable' },
      normal: { status: 603, cause: 'rejected' },
      'media-failure': { status: 503, cause: 'media-failure' },
      'bus-outage': { status: 503, cause: 'bus-outage' },
    });
  });
});

describe('hangupCause()', () => {
  it('ends an answered call with normal, unless the drop says why the call cannot work any more', () => {
    const rows = [
      ['normal', 'normal'],
      ['busy', 'normal'],
      ['decline', 'normal'],
      ['unavailable', 'normal'],
      ['media-failure', 'media-failure'],
      ['bus-outage', 'bus-outage'],
    ] as const;
    for (const [reason, cause] of rows) assert.equal(hangupCause(reason), cause, reason);
  });
});

describe('refusalResponse()', () => {
  const rows = [
    { reason: 'no-client', noClient: 480, expected: { status: 480, cause: 'unavailable' } },
    { reason: 'no-client', noClient: 486, expected: { status: 486, cause: 'busy' } },
    { reason: 'no-client', noClient: 404, expected: { status: 404, cause: 'unavailable' } },
    { reason: 'busy', noClient: 480, expected: { status: 486, cause: 'busy' } },
    { reason: 'dnd', noClient: 480, expected: { status: 486, cause: 'busy' } },
    { reason: 'unknown-line', noClient: 480, expected: { status: 404, cause: 'not-found' } },
  ] as const;
  for (const row of rows) {
    it(`refusalResponse(${row.reason}) with SIP_NO_CLIENT_STATUS ${row.noClient} answers ${row.expected.status}`, () => {
      assert.deepEqual(refusalResponse(row.reason, row.noClient), row.expected);
    });
  }
});

describe('statusOfMediaError()', () => {
  const rows: Array<[string | undefined, number]> = [
    [MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC, 488],
    [MediaErrorCodes.UCS_ERR_MEDIA_SDP_INVALID, 488],
    [MediaErrorCodes.UCS_ERR_MEDIA_NO_AUDIO, 488],
    [MediaErrorCodes.UCS_ERR_MEDIA_CRYPTO_INVALID, 488],
    [MediaErrorCodes.UCS_ERR_MEDIA_DRAINING, 503],
    [MediaErrorCodes.UCS_ERR_MEDIA_NO_NODE, 503],
    [MediaErrorCodes.UCS_ERR_MEDIA_ALLOCATION_FAILED, 503],
    [undefined, 503],
    [MediaErrorCodes.UCS_ERR_MEDIA_CALL_STATE, 500],
  ];
  for (const [code, status] of rows) it(`statusOfMediaError(${String(code)}) is ${status}`, () => assert.equal(statusOfMediaError(code), status));
});

describe('forwardHops()', () => {
  const rows: Array<[string, Array<[string, string]>, number]> = [
    ['no forward', [], 0],
    ['one Diversion', [['Diversion', '<sip:101@pbx>;reason=unconditional']], 1],
    ['two Diversion lines', [['Diversion', '<sip:101@pbx>'], ['Diversion', '<sip:102@pbx>']], 2],
    ['a Diversion list in one line', [['Diversion', '<sip:101@pbx>;reason=user-busy, <sip:102@pbx>;reason=no-answer']], 2],
    ['History-Info: the entries after the first', [['History-Info', '<sip:101@pbx>;index=1, <sip:102@pbx>;index=1.1']], 1],
    ['Diversion wins over History-Info', [['Diversion', '<sip:101@pbx>'], ['History-Info', '<a>;index=1, <b>;index=1.1, <c>;index=1.1.1']], 1],
  ];
  for (const [name, headers, hops] of rows) {
    it(`${name}: ${hops}`, () => {
      const h = new SipHeaders();
      for (const [k, v] of headers) h.append(k, v);
      assert.equal(forwardHops(h), hops);
    });
  }
});
