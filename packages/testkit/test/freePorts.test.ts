// freePort never hands the same port out twice in a row (a service's two listeners picked before either binds
// must not collide), ranges included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, freePortRange, releasePorts } from '../src/freePorts.ts';

test('freePort: 300 picks in a row, none bound meanwhile, are all different; a range overlaps none of them', async () => {
  const ports = [];
  for (let i = 0; i < 300; i++) ports.push(await freePort({ tcp: true }));
  assert.equal(new Set(ports).size, ports.length);
  const range = await freePortRange(50, 10_000, 19_999);
  assert.ok(ports.every((p) => p < range.min || p > range.max), 'the range avoids ports handed out');
});

test('freePortRange: large blocks are packed first-fit (random starts leave unusable gaps); a released block is handed out again', async () => {
  // 61000–65535 lies above the ephemeral range and every range the suites bind, so nothing else is there.
  // Three blocks of 1,400 take 4,200 of its 4,535 ports: random starts would rarely leave room for the third.
  const blocks = [];
  for (let i = 0; i < 3; i++) blocks.push(await freePortRange(1_400, 61_000, 65_535));
  assert.deepEqual(blocks.map((b) => b.min), [61_000, 62_400, 63_800]);
  await assert.rejects(freePortRange(1_400, 61_000, 65_535), /no free UDP port range of 1400 between 61000 and 65535/);
  releasePorts(blocks[1]!.min, 1_400);
  assert.deepEqual(await freePortRange(1_400, 61_000, 65_535), { min: 62_400, max: 63_799 });
  for (const b of blocks) releasePorts(b.min, 1_400);
});
