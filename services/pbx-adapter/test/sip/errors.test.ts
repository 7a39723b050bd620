// The error catalogue: names, stable codes, cause, hierarchy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UcsError } from '@ucserver/shared';
import {
  DialogError,
  DigestError,
  InvalidStateError,
  SipError,
  SipErrorCodes,
  sipErrorCatalogue,
  SipException,
  SipParseError,
  SipParseErrorReason,
  SipTimeoutError,
  TransactionLimitError,
  TransactionStateError,
  TransportError,
} from '../../src/sip/mod.ts';

describe('errors', () => {
  const rows: Array<{ error: SipException; name: string; code: string }> = [
    { error: new SipParseError(SipParseErrorReason.BadHeader, 'x'), name: 'SipParseError', code: 'UCS_ERR_SIP_PARSE' },
    { error: new TransactionStateError('x'), name: 'TransactionStateError', code: 'UCS_ERR_SIP_TRANSACTION_STATE' },
    { error: new TransactionLimitError('x'), name: 'TransactionLimitError', code: 'UCS_ERR_SIP_TRANSACTION_LIMIT' },
    { error: new TransportError('x'), name: 'TransportError', code: 'UCS_ERR_SIP_TRANSPORT' },
    { error: new SipTimeoutError('B', 'x'), name: 'SipTimeoutError', code: 'UCS_ERR_SIP_TIMEOUT' },
    { error: new SipError(486, 'Busy Here'), name: 'SipError', code: 'UCS_ERR_SIP_STATUS' },
    { error: new InvalidStateError('x'), name: 'InvalidStateError', code: 'UCS_ERR_SIP_INVALID_STATE' },
    { error: new DigestError('x'), name: 'DigestError', code: 'UCS_ERR_SIP_DIGEST' },
    { error: new DialogError('x'), name: 'DialogError', code: 'UCS_ERR_SIP_DIALOG' },
  ];
  for (const row of rows) {
    it(`${row.name} has name ${row.name}, code ${row.code} and is a SipException and an Error`, () => {
      assert.equal(row.error.name, row.name);
      assert.equal(row.error.code, row.code);
      assert.ok(row.error instanceof SipException);
      assert.ok(row.error instanceof Error);
      assert.ok(row.error.stack?.includes(row.name));
    });
  }
  it('every catalogue code is used by exactly one class and follows UCS_ERR_SIP_<WHAT>', () => {
    const codes = Object.values(SipErrorCodes);
    assert.equal(new Set(codes).size, codes.length);
    assert.deepEqual([...codes].sort(), rows.map((r) => r.code).sort());
    for (const c of codes) assert.match(c, /^UCS_ERR_SIP_[A-Z_]+$/);
  });
  it('every SipException is a UcsError whose code is its class\'s static code', () => {
    for (const row of rows) {
      assert.ok(row.error instanceof UcsError, row.name);
      assert.equal((row.error.constructor as unknown as { code: string }).code, row.code);
    }
  });
  it('sipErrorCatalogue lists every code once, each with its class', () => {
    assert.deepEqual(sipErrorCatalogue.codes, SipErrorCodes);
    assert.deepEqual(sipErrorCatalogue.classes.map((c) => c.name).sort(), rows.map((r) => r.name).sort());
    assert.deepEqual(sipErrorCatalogue.classes.map((c) => c.code).sort(), rows.map((r) => r.code).sort());
  });
  it('every SIP code is documented in the README and no documented one is stale', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/`(UCS_ERR_SIP_[A-Z_]+)`/g)].map((m) => m[1]));
    assert.deepEqual([...documented].sort(), Object.keys(SipErrorCodes).sort());
  });
  it('a wrapping error keeps its cause', () => {
    const cause = new Error('ECONNREFUSED');
    assert.equal(new TransportError('connect failed', { cause }).cause, cause);
    assert.equal(new SipParseError(SipParseErrorReason.Malformed, 'x', { cause }).cause, cause);
  });
  it('SipError carries the status as data and names the context in brackets', () => {
    const e = new SipError(486, 'Busy Here', { context: 'lineId:101, callId:abc' });
    assert.equal(e.status, 486);
    assert.equal(e.reason, 'Busy Here');
    assert.equal(e.message, '486 Busy Here [lineId:101, callId:abc]');
  });
  it('SipParseError defaults to status 400 and keeps reason, header and partial', () => {
    const e = new SipParseError(SipParseErrorReason.MissingHeader, 'missing', { header: 'Call-ID', partial: { type: 'request', method: 'INVITE', headers: [] } });
    assert.deepEqual([e.status, e.reason, e.header, e.partial?.method], [400, 'missing-header', 'Call-ID', 'INVITE']);
  });
  it('SipTimeoutError names the timer, DialogError the status to answer', () => {
    assert.equal(new SipTimeoutError('H', 'no ACK').timer, 'H');
    assert.equal(new DialogError('old CSeq', { status: 500 }).status, 500);
  });
});
