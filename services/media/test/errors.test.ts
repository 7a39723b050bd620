import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mediaWireCodes, UcsError } from '@ucserver/shared';
import { MediaError, MediaErrorCodes, mediaErrorCatalogue, SdpInvalidError } from '../src/errors.ts';

describe('error catalogue', () => {
  const instances = mediaErrorCatalogue.classes.map((Class) => {
    const C = Class as unknown as new (...args: unknown[]) => UcsError;
    return { name: Class.name, staticCode: Class.code, error: new C('m', [], { cause: undefined }) };
  });

  test('every class is a UcsError named after itself with a code from MediaErrorCodes', () => {
    for (const { name, error } of instances) {
      assert.ok(error instanceof UcsError, name);
      assert.equal(error.name, name);
      assert.ok(name.endsWith('Error'));
      assert.ok(Object.values(MediaErrorCodes).includes(error.code as never), `${name}: ${error.code}`);
    }
  });

  test('codes are unique, and every code has a class (UCS_ERR_MEDIA_NO_NODE lives in MediaPlacement)', () => {
    const codes = instances.map((i) => i.error.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const [key, value] of Object.entries(MediaErrorCodes)) {
      assert.equal(key, value);
      if (value !== 'UCS_ERR_MEDIA_NO_NODE') assert.ok(codes.includes(value), `no class for ${value}`);
    }
  });

  test('each class states its code statically, and instances carry that code', () => {
    for (const { name, staticCode, error } of instances) assert.equal(error.code, staticCode, name);
    assert.equal(mediaErrorCatalogue.codes, MediaErrorCodes);
  });

  test('with shared\'s mediaWireCodes, every media code has exactly one class', () => {
    const classes = [...mediaErrorCatalogue.classes, ...mediaWireCodes.classes];
    assert.deepEqual(classes.map((c) => c.code).sort(), Object.values(MediaErrorCodes).sort());
  });

  test('the abstract MediaError base is no condition of its own: it is not catalogued, and a cause is kept', () => {
    assert.ok(!mediaErrorCatalogue.classes.includes(MediaError as never));
    const cause = new Error('inner');
    const error = new SdpInvalidError('outer', { cause });
    assert.ok(error instanceof MediaError);
    assert.equal(error.cause, cause);
  });
});
