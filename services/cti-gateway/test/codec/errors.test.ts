// The error catalogue: every code is stable (key = value, UCS_ERR_<AREA>_<WHAT>), every class carries
// name, code and cause, and every class's code is in the catalogue.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ArgumentError,
  CtiCodecError,
  CtiCodecErrorCodes,
  EncodingNotSupportedError,
  FramingError,
  RoseDecodeError,
  RoseEncodeError,
  UnknownOperationError,
} from '../../src/codec/mod.ts';

describe('error catalogue', () => {
  test('CtiCodecErrorCodes keys equal their values and follow UCS_ERR_<AREA>_<WHAT>', () => {
    for (const [key, value] of Object.entries(CtiCodecErrorCodes)) {
      assert.equal(key, value);
      assert.match(value, /^UCS_ERR_(FRAMING|ROSE)_[A-Z0-9_]+$/);
    }
    assert.equal(Object.keys(CtiCodecErrorCodes).length, 12);
  });

  const cause = new Error('root cause');
  const rows: { name: string; error: CtiCodecError; code: string; hasCause: boolean }[] = [
    {
      name: 'FramingError',
      error: new FramingError(CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX, 'bad', 17),
      code: 'UCS_ERR_FRAMING_BAD_PREFIX',
      hasCause: false,
    },
    {
      name: 'EncodingNotSupportedError',
      error: new EncodingNotSupportedError(0xa1, 0),
      code: 'UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED',
      hasCause: false,
    },
    {
      name: 'RoseDecodeError',
      error: new RoseDecodeError(CtiCodecErrorCodes.UCS_ERR_ROSE_JSON_INVALID, 'Unexpected end', { cause }),
      code: 'UCS_ERR_ROSE_JSON_INVALID',
      hasCause: true,
    },
    {
      name: 'UnknownOperationError',
      error: new UnknownOperationError(4711, 'asnFoo', 9),
      code: 'UCS_ERR_ROSE_OPERATION_UNKNOWN',
      hasCause: false,
    },
    {
      name: 'ArgumentError',
      error: new ArgumentError('asnCtiMakeCall', [{ path: 'iNumberFormat', message: 'expected number' }], { cause }),
      code: 'UCS_ERR_ROSE_ARGUMENT_INVALID',
      hasCause: true,
    },
    {
      name: 'RoseEncodeError',
      error: new RoseEncodeError('AsnCtiDropCallResult', [{ path: 'bSuccess', message: 'expected boolean' }]),
      code: 'UCS_ERR_ROSE_ENCODE_INVALID',
      hasCause: false,
    },
  ];
  for (const row of rows) {
    test(`${row.name} has name, a catalogued code and ${row.hasCause ? 'its cause' : 'no cause'}`, () => {
      assert.ok(row.error instanceof CtiCodecError);
      assert.ok(row.error instanceof Error);
      assert.equal(row.error.name, row.name);
      assert.equal(row.error.code, row.code);
      assert.ok(Object.values(CtiCodecErrorCodes).includes(row.error.code));
      assert.equal('cause' in row.error, row.hasCause);
      if (row.hasCause) assert.equal(row.error.cause, cause);
      assert.ok(row.error.stack?.includes('errors.test.ts'));
    });
  }

  test('messages name the value and context ids in brackets', () => {
    assert.match(new FramingError(CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH, 'x', 8).message, /\[offset:8\]$/);
    assert.match(new EncodingNotSupportedError(0xa2, 3).message, /0xa2.*\[offset:3\]/);
    assert.match(new UnknownOperationError(4711, undefined, 9).message, /operationID:4711.*invokeID:9/);
    assert.match(
      new RoseDecodeError(CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, 'invoke.operationID missing', { invokeID: 7 }).message,
      /\[invokeID:7\]$/,
    );
    assert.match(new ArgumentError('asnCtiHold', [{ path: 'bHold', message: 'bad' }]).message, /asnCtiHold: bHold: bad/);
    assert.match(new ArgumentError('asnCtiHold', [], { missing: true }).message, /argument missing/);
  });

  test('RoseDecodeError flags events (invokeID 99999) and keeps the reject details', () => {
    const err = new RoseDecodeError(CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, 'bad', { invokeID: 99999, messageKind: 'invoke' });
    assert.equal(err.isEvent, true);
    assert.equal(err.details, 'bad');
    assert.equal(err.messageKind, 'invoke');
  });
});
