// The error catalogue: every class has a stable code listed in PbxAdapterErrorCodes, its own name, and
// crosses the bus as a UcsError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UcsError } from '@ucserver/shared';
import * as catalogue from '../src/errors.ts';

describe('error catalogue', () => {
  const instances = [
    new catalogue.CallNotFoundError('c1'),
    new catalogue.CallExistsError('c1'),
    new catalogue.CallStateError('x'),
    new catalogue.LineNotFoundError('l1'),
    new catalogue.LineDisabledError('l1'),
    new catalogue.TransportUnavailableError('tls', 'lineId:l1'),
    new catalogue.InvalidAddressError('x'),
    new catalogue.CapacityError(10),
    new catalogue.SipRequestFailedError('INFO', 481, 'Call/Transaction Does Not Exist', 'callId:c1'),
    new catalogue.MediaFailedError('x', 'UCS_ERR_MEDIA_NO_COMMON_CODEC'),
    new catalogue.AdapterClosedError('x'),
  ];
  it('every key of PbxAdapterErrorCodes equals its code', () => {
    for (const [key, code] of Object.entries(catalogue.PbxAdapterErrorCodes)) assert.equal(key, code);
  });
  it('every class has its own catalogued code and its class name', () => {
    assert.equal(instances.length, Object.keys(catalogue.errors).length);
    const codes = new Set(Object.values(catalogue.PbxAdapterErrorCodes));
    for (const e of instances) {
      assert.ok(e instanceof UcsError, e.name);
      assert.ok(codes.has(e.code as catalogue.PbxAdapterErrorCode), `${e.name}: ${e.code}`);
      assert.equal(e.name, e.constructor.name);
    }
    assert.equal(new Set(instances.map((e) => e.code)).size, codes.size, 'one class per code');
  });
  it('every code is documented in the README and no documented code is stale', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/`(UCS_ERR_PBX_[A-Z_]+)`/g)].map((m) => m[1]));
    assert.deepEqual([...documented].sort(), Object.keys(catalogue.PbxAdapterErrorCodes).sort());
  });
  it('pbxAdapterErrorCatalogue has one class per code, whose static code its instances carry', () => {
    const { codes, classes } = catalogue.pbxAdapterErrorCatalogue;
    assert.deepEqual(codes, catalogue.PbxAdapterErrorCodes);
    assert.deepEqual(classes.map((c) => c.code).sort(), Object.values(codes).sort());
    for (const e of instances) assert.equal(e.code, (e.constructor as unknown as { code: string }).code, e.name);
  });
  it('messages name the context ids in brackets and SIP failures carry the status as data', () => {
    assert.match(new catalogue.CallNotFoundError('abc').message, /\[callId:abc\]/);
    const failed = new catalogue.SipRequestFailedError('REFER', 603, 'Decline', 'callId:c9');
    assert.deepEqual([failed.status, failed.reason, failed.message], [603, 'Decline', 'REFER failed: 603 Decline [callId:c9]']);
  });
});
