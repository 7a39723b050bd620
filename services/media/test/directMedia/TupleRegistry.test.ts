import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TupleRegistry } from '../../src/directMedia/TupleRegistry.ts';

describe('TupleRegistry', () => {
  test('lookup() finds an owner by announced or listen address, IPv6 normalised', () => {
    const r = new TupleRegistry<string>();
    r.register('a', ['203.0.113.5', '10.0.0.5'], 40000);
    r.register('b', ['2001:DB8::1'], 40002);
    assert.equal(r.lookup('203.0.113.5', 40000), 'a');
    assert.equal(r.lookup('10.0.0.5', 40000), 'a');
    assert.equal(r.lookup('[2001:db8::1]', 40002), 'b');
    assert.equal(r.lookup('203.0.113.5', 40001), undefined);
  });

  test('register() again replaces the keys; 0.0.0.0 is never a tuple; unregister() forgets', () => {
    const r = new TupleRegistry<string>();
    r.register('a', ['127.0.0.1', '0.0.0.0'], 40000);
    assert.equal(r.lookup('0.0.0.0', 40000), undefined);
    r.register('a', ['127.0.0.1'], 40010);
    assert.equal(r.lookup('127.0.0.1', 40000), undefined);
    assert.equal(r.lookup('127.0.0.1', 40010), 'a');
    r.unregister('a');
    assert.equal(r.size, 0);
    assert.equal(r.lookup('127.0.0.1', 40010), undefined);
  });
});
