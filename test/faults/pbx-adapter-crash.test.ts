// Issue 11, crashes: kill -9 of the pbx-adapter during a connected call (A → B through Kamailio, both
// browser softphones, audio both ways). After its restart the adapter ends the calls its earlier run left
// (their snapshots in the PBX_CALLS bucket): within 10 s of the restart the PBX gets a BYE in both dialogs
// (Kamailio's own BYE counters; the two BYEs cross, each reaching the adapter's other leg, which answers
// 200), both softphones see their call end with a cause, the gateway lists no live call and both journal
// rows are closed with cause 'service-restart'. Nobody has to hang up a call the adapter no longer knows,
// and the next call works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanup, establish, hangUp, waitIdle } from '../e2e/support/callFlow.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { stackWithUsers } from '../e2e/support/stackWithUsers.ts';
import { before, byeCounters, liveCalls, rowsOf, snapshotKeys } from './support/recoveryChecks.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: 'faults-pbx-adapter-crash', pbxMode: 'media-via-pbx' });

const RECOVERY_MS = 10_000;

test('pbx-adapter kill -9 during a call: after its restart both dialogs get BYE, clients, calls and journal are closed within 10 s', async () => {
  const { stack, alice, bob } = e2e;
  const adapter = stack.pbxAdapter!;
  try {
    const ids = await establish(stack, alice, bob);
    const callIds = [ids.callerId, ids.calleeId];
    const byes0 = await byeCounters(stack);

    await stack.step('kill -9 the pbx-adapter', async () => {
      await adapter.stop('SIGKILL');
      const live = await liveCalls(stack);
      assert.equal(live.length, 2, `the gateway still lists both calls (${JSON.stringify(live)})`);
    });

    const restartedAt = Date.now();
    await stack.step('restart the pbx-adapter', async () => {
      await adapter.restart();
      stack.log(`pbx-adapter ready ${Date.now() - restartedAt} ms after the restart began`);
    });
    const deadline = restartedAt + RECOVERY_MS;

    // Kamailio proxies one dialog whose two ends are both ours: the restarted adapter BYEs from each end and
    // the BYEs cross. An end still there answers 200; an end already closed by the other BYE answers 481.
    await stack.step('the PBX received a BYE from both ends of the dialog, each answered (200, or 481 once crossed)', async () => {
      const counters = await before(deadline, 'two BYEs at Kamailio, each answered, at least one 2xx', async () => {
        const now = await byeCounters(stack);
        const ok = now.byeOk - byes0.byeOk;
        return now.byes - byes0.byes >= 2 && ok >= 1 && ok + now.byeGone - byes0.byeGone >= 2 ? now : undefined;
      }, async () => JSON.stringify({ byesBefore: byes0, byesNow: await byeCounters(stack), liveCalls: await liveCalls(stack), journal: await rowsOf(stack, callIds) }));
      stack.log(`BYEs at the PBX after ${Date.now() - restartedAt} ms: ${counters.byes - byes0.byes} received, ${counters.byeOk - byes0.byeOk} answered 2xx, ${counters.byeGone - byes0.byeGone} 4xx`);
    });

    await stack.step('both softphones see their call end with a cause', async () => {
      for (const b of [alice, bob]) {
        const c = await b.waitCall((x) => x.state === 'disconnected' || x.state === 'destroyed', 'the call ended', Math.max(1, deadline - Date.now()));
        stack.log(`${b.name}: call ${c.state} after ${Date.now() - restartedAt} ms, cause ${c.cause}`);
        assert.ok(c.cause, `${b.name}: the end carries a cause`);
      }
    });

    await stack.step('no live call at the gateway', async () => {
      await before(deadline, 'GET /api/v1/calls lists no live call', async () => (await liveCalls(stack)).length === 0, async () => JSON.stringify(await liveCalls(stack)));
      stack.log(`no live call after ${Date.now() - restartedAt} ms`);
    });

    await stack.step("both journal rows closed with cause 'service-restart'", async () => {
      const rows = await before(deadline, 'both journal rows closed', async () => {
        const r = await rowsOf(stack, callIds);
        return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
      }, async () => JSON.stringify(await rowsOf(stack, callIds)));
      stack.log(`journal rows closed after ${Date.now() - restartedAt} ms`);
      for (const row of rows) {
        assert.equal(row.disconnectCause, 'service-restart', `row ${row.callId}`);
        assert.ok(row.answeredAt, 'answered');
        assert.ok((row.durationS ?? 0) >= 1, `duration ${row.durationS} s`);
      }
    });

    await stack.step('nothing hangs; the next call works', async () => {
      await waitIdle(stack, alice, bob);
      await stack.waitRegistered([alice.user.line, bob.user.line]);
      await establish(stack, alice, bob);
      await hangUp(stack, alice, bob, 'normal');
      await before(Date.now() + 5000, 'no call snapshot left in the PBX_CALLS bucket', async () => (await snapshotKeys(stack)).length === 0, async () => JSON.stringify(await snapshotKeys(stack)));
    });
  } finally {
    if (!adapter.process.running) await adapter.restart().catch((err: unknown) => stack.log(`pbx-adapter restart failed: ${(err as Error).message}`));
    await cleanup(stack, alice, bob);
  }
});
