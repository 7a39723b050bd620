// NoticedCache alone (a pure unit, its clock given): the size bound, the two age limits, and that a read or
// a write's result that overlapped a drop is not kept. With a database and the bus: test/cluster/callReadsCache.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoticedCache } from '../../src/lines/NoticedCache.ts';

function cache(max = 3) {
  let now = 0;
  const loads: string[] = [];
  const c = new NoticedCache<string>({ max, noticedMaxAgeMs: 60_000, unnoticedMaxAgeMs: 5000, now: () => now });
  const load = (key: string, value = `${key}@${now}`) => c.get(key, async () => {
    loads.push(key);
    return value;
  });
  return { c, load, loads, advance: (ms: number) => (now += ms) };
}

describe('NoticedCache', () => {
  it('serves an entry 5 s while unnoticed, 60 s while notices reach us; switching starts over', async () => {
    const { c, load, loads, advance } = cache();
    await load('a');
    advance(4999);
    await load('a');
    assert.deepEqual(loads, ['a']);
    advance(1);
    await load('a');
    assert.deepEqual(loads, ['a', 'a'], 'unnoticed: read again after 5 s');
    c.noticed = true;
    assert.equal(c.size, 0, 'switching drops what was read under the other limit');
    await load('a');
    advance(59_999);
    await load('a');
    assert.deepEqual(loads, ['a', 'a', 'a']);
    advance(1);
    await load('a');
    assert.deepEqual(loads, ['a', 'a', 'a', 'a'], 'noticed: read again after 60 s');
  });

  it('holds at most `max` entries; the least recently read goes first', async () => {
    const { c, load, loads } = cache(3);
    c.noticed = true;
    for (const k of ['a', 'b', 'c']) await load(k);
    await load('a'); // a is now the most recent: b goes first
    await load('d');
    assert.equal(c.size, 3);
    loads.length = 0;
    await load('a');
    await load('c');
    await load('d');
    assert.deepEqual(loads, []);
    await load('b');
    assert.deepEqual(loads, ['b']);
  });

  it('a read that overlapped a drop is not kept; forget(key) drops one', async () => {
    const { c, load, loads } = cache();
    c.noticed = true;
    let release!: (v: string) => void;
    const slow = c.get('a', () => new Promise((r) => (release = r)));
    c.forget('other');
    release('old a');
    assert.equal(await slow, 'old a');
    await load('a', 'new a');
    assert.deepEqual(loads, ['a'], 'the overlapped read was not kept');
    await load('b');
    c.forget('a');
    await load('a');
    await load('b');
    assert.deepEqual(loads, ['a', 'b', 'a']);
  });

  it('put keeps a write\'s result unless a drop came in since the write began (then the entry goes)', async () => {
    const { c, load, loads } = cache();
    c.noticed = true;
    await load('a', 'v1');
    const g = c.generation;
    c.put('a', 'v2', g);
    assert.equal(await load('a'), 'v2');
    const g2 = c.generation;
    c.forget('b'); // a notice while the write ran
    c.put('a', 'v3', g2);
    assert.equal(await load('a', 'from the database'), 'from the database');
    assert.deepEqual(loads, ['a', 'a']);
  });
});
