// freePort never hands the same port out twice in a row (a service's two listeners picked before either binds
// must not collide), ranges included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, freePortRange } from '../src/freePorts.ts';

test('freePort: 300 picks in a row, none bound meanwhile, are all different; a range overlaps none of them', async () => {
  const ports = [];
  for (let i = 0; i < 300; i++) ports.push(await freePort({ tcp: true }));
  assert.equal(new Set(ports).size, ports.length);
  const range = await freePortRange(50, 10_000, 19_999);
  assert.ok(ports.every((p) => p < range.min || p > range.max), 'the range avoids ports handed out');
});
