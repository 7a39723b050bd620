// Scenario 7: the media node restarts. While idle: the next call works. During a call: both sides get a
// disconnect with a cause within 5 s and nothing hangs (pages idle, no active call at the gateway, the
// next call works). A restart is SIGTERM (drain timeout 0) + start; a crash is SIGKILL + start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { cleanup, establish, hangUp, waitIdle } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '05-media-restart', pbxMode: 'media-via-pbx' });

/** Waits until the gateway's placement knows media-1 again (a heartbeat after the restart). */
async function mediaNodeKnown(): Promise<void> {
  const { stack } = e2e;
  await check(async () => {
    const nodes = await stack.admin<Array<{ nodeId: string; workersAlive: number; draining: boolean }>>('GET', '/api/v1/media/nodes');
    return nodes.some((n) => n.nodeId === 'media-1' && n.workersAlive > 0 && !n.draining);
  }, 15_000, { name: 'media-1 live again in GET /api/v1/media/nodes' });
}

test('scenario 7a: restart of the media node while idle: the next call works', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await stack.step('restart media-1 (SIGTERM, start)', async () => {
      await stack.media[0]!.restart();
      await mediaNodeKnown();
    });
    await establish(stack, alice, bob);
    await hangUp(stack, alice, bob, 'normal');
  } finally {
    await cleanup(stack, alice, bob);
  }
});

for (const [variant, signal] of [['restart (SIGTERM)', 'SIGTERM'], ['crash (SIGKILL)', 'SIGKILL']] as const) {
  test(`scenario 7b: media node ${variant} during a call: both sides disconnected with a cause within 5 s`, async () => {
    const { stack, alice, bob } = e2e;
    try {
      await establish(stack, alice, bob);
      const media = stack.media[0]!;
      const t0 = Date.now();
      await stack.step(`media-1 ${variant}`, async () => {
        await media.stop(signal);
      });
      await stack.step('both sides get a disconnect with a cause within 5 s', async () => {
        const [a, b] = await Promise.all([
          alice.waitCall((c) => c.state === 'disconnected' || c.state === 'destroyed', 'call disconnected', 5000 - (Date.now() - t0)),
          bob.waitCall((c) => c.state === 'disconnected' || c.state === 'destroyed', 'call disconnected', 5000 - (Date.now() - t0)),
        ]);
        stack.log(`disconnect after ${Date.now() - t0} ms: A cause ${a.cause}, B cause ${b.cause}`);
        assert.ok(a.cause, 'A has a cause');
        assert.ok(b.cause, 'B has a cause');
        await alice.screenshot(`s7b-${signal}-A-disconnected`);
        await bob.screenshot(`s7b-${signal}-B-disconnected`);
      });
      await stack.step('nothing hangs', async () => {
        await waitIdle(stack, alice, bob);
      });
      await stack.step('media-1 back; the next call works', async () => {
        await media.restart();
        await mediaNodeKnown();
        await establish(stack, alice, bob);
        await hangUp(stack, bob, alice, 'normal');
      });
    } finally {
      if (!stack.media[0]!.process.running) await stack.media[0]!.restart().catch((err: unknown) => stack.log(`media-1 restart failed: ${(err as Error).message}`));
      await cleanup(stack, alice, bob);
    }
  });
}
