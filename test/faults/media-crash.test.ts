// Issue 11, crashes: kill -9 of the media node during a connected call (A → B through Kamailio, both
// browser softphones). Its calls cannot carry audio any more: within 10 s both softphones see their call
// end, the PBX gets a BYE in both dialogs, and both journal rows are closed with cause 'media-failure'
// (not 'normal'). A media node started again takes the next call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanup, establish, hangUp, waitIdle } from '../e2e/support/callFlow.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { stackWithUsers } from '../e2e/support/stackWithUsers.ts';
import { before, byeCounters, liveCalls, rowsOf } from './support/recoveryChecks.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: 'faults-media-crash', pbxMode: 'media-via-pbx' });

const WITHIN_MS = 10_000;

test("media node kill -9 during a call: within 10 s clients see the end, BYE reaches the PBX, journal rows closed with cause 'media-failure'", async () => {
  const { stack, alice, bob } = e2e;
  const node = stack.media[0]!;
  try {
    const ids = await establish(stack, alice, bob);
    const callIds = [ids.callerId, ids.calleeId];
    const byes0 = await byeCounters(stack);

    const killedAt = Date.now();
    await stack.step('kill -9 the media node (its workers with it)', () => node.stop('SIGKILL'));
    const deadline = killedAt + WITHIN_MS;

    await stack.step('both softphones see their call end', async () => {
      for (const b of [alice, bob]) {
        const c = await b.waitCall((x) => x.state === 'disconnected' || x.state === 'destroyed', 'the call ended', Math.max(1, deadline - Date.now()));
        stack.log(`${b.name}: call ${c.state} ${Date.now() - killedAt} ms after the kill, cause ${c.cause}`);
        assert.match(c.cause ?? '', /media/, `${b.name}: the cause names the media failure`);
      }
    });

    await stack.step('the PBX received a BYE in both dialogs', async () => {
      const counters = await before(deadline, 'two BYEs at Kamailio', async () => {
        const now = await byeCounters(stack);
        return now.byes - byes0.byes >= 2 ? now : undefined;
      }, async () => JSON.stringify({ byesBefore: byes0, byesNow: await byeCounters(stack), liveCalls: await liveCalls(stack) }));
      stack.log(`BYEs at the PBX ${Date.now() - killedAt} ms after the kill: ${counters.byes - byes0.byes}`);
    });

    await stack.step("both journal rows closed with cause 'media-failure', no live call", async () => {
      const rows = await before(deadline, 'both journal rows closed', async () => {
        const r = await rowsOf(stack, callIds);
        return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
      }, async () => JSON.stringify(await rowsOf(stack, callIds)));
      stack.log(`journal rows closed ${Date.now() - killedAt} ms after the kill`);
      for (const row of rows) {
        assert.equal(row.disconnectCause, 'media-failure', `row ${row.callId}`);
        assert.ok(row.answeredAt, 'answered');
      }
      await before(deadline, 'GET /api/v1/calls lists no live call', async () => (await liveCalls(stack)).length === 0, async () => JSON.stringify(await liveCalls(stack)));
    });

    await stack.step('a media node started again takes the next call', async () => {
      await node.restart();
      await waitIdle(stack, alice, bob);
      await stack.waitRegistered([alice.user.line, bob.user.line]);
      await establish(stack, alice, bob);
      await hangUp(stack, alice, bob, 'normal');
    });
  } finally {
    if (!node.process.running) await node.restart().catch((err: unknown) => stack.log(`media restart failed: ${(err as Error).message}`));
    await cleanup(stack, alice, bob);
  }
});
