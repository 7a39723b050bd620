import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UcsError } from '@ucserver/shared';
import { MediaErrorCodes, mediaErrors } from '../src/errors.ts';

describe('error catalogue', () => {
  const instances = Object.entries(mediaErrors).map(([name, Class]) => {
    const C = Class as unknown as new (...args: unknown[]) => UcsError;
    return { name, error: new C('m', [], { cause: undefined }) };
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
});
