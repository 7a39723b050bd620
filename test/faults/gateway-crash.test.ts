// Issue 11, crashes: kill -9 of the cti-gateway during a connected call (A → B through Kamailio, both
// browser softphones). Its clients are cut; the pbx-adapter stops hearing the gateway's heartbeat and,
// after 3 heartbeat intervals and GATEWAY_LOSS_GRACE_MS, ends both calls it carried for it: the PBX gets a
// BYE in both dialogs. Restarted (same database), the gateway's journal shows both rows closed with the
// adapter's cause 'gateway-lost', it lists no live call, and the clients reconnect to a phone without ghost
// calls; the next call works.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, establish, hangUp, waitIdle } from '../e2e/support/callFlow.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { stackWithUsers } from '../e2e/support/stackWithUsers.ts';
import { metricSum } from '../e2e/support/prometheus.ts';
import { before, byeCounters, liveCalls, rowsOf, snapshotKeys } from './support/recoveryChecks.ts';

await enterNetworkNamespace();

const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
// The gateway's database outlives its process (PGlite on disk), as PostgreSQL would.
const dataDir = mkdtempSync(join(tmpdir(), 'ucs-gateway-crash-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const e2e = stackWithUsers({
  scenario: 'faults-gateway-crash',
  pbxMode: 'media-via-pbx',
  gatewayEnv: { PGLITE_DIR: join(dataDir, 'pglite'), GATEWAY_INSTANCE_ID: 'gw-e2e', GATEWAY_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) },
  pbxAdapterEnv: { GATEWAY_LOSS_GRACE_MS: String(GRACE_MS) },
});

test('cti-gateway kill -9 during a call: the adapter ends both calls within grace + 10 s; after the restart journal, calls and clients show no ghost', async () => {
  const { stack, alice, bob } = e2e;
  const gateway = stack.gateway!;
  try {
    const ids = await establish(stack, alice, bob);
    const callIds = [ids.callerId, ids.calleeId];
    const byes0 = await byeCounters(stack);

    const killedAt = Date.now();
    await stack.step('kill -9 the cti-gateway', async () => {
      await gateway.stop('SIGKILL');
    });

    await stack.step('within grace + 10 s the pbx-adapter ended both calls: BYE in both dialogs at the PBX', async () => {
      const deadline = killedAt + GRACE_MS + 10_000;
      const counters = await before(deadline, 'two BYEs at Kamailio, both answered', async () => {
        const now = await byeCounters(stack);
        return now.byes - byes0.byes >= 2 ? now : undefined;
      }, async () => JSON.stringify({ byesBefore: byes0, byesNow: await byeCounters(stack), adapterCalls: activeAdapterCalls(await stack.pbxAdapter!.metrics()) }));
      stack.log(`BYEs at the PBX ${Date.now() - killedAt} ms after the kill (heartbeat ${HEARTBEAT_MS} ms × 3 + grace ${GRACE_MS} ms): ${counters.byes - byes0.byes} received`);
      await before(deadline, 'the pbx-adapter carries no call', async () => activeAdapterCalls(await stack.pbxAdapter!.metrics()) === 0, async () => `calls_active ${activeAdapterCalls(await stack.pbxAdapter!.metrics())}`);
    });

    const restartedAt = Date.now();
    await stack.step('restart the cti-gateway', async () => {
      await gateway.restart();
      stack.log(`cti-gateway ready ${Date.now() - restartedAt} ms after the restart began`);
    });
    // From the moment it is ready: its start alone took 11.6 s once at load 7–12 (PGlite's WASM and the
    // migrations), which is not what this test measures.
    const deadline = Date.now() + 10_000;

    await stack.step("its journal rows are closed with cause 'gateway-lost'", async () => {
      const rows = await before(deadline, 'both journal rows closed', async () => {
        const r = await rowsOf(stack, callIds);
        return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
      }, async () => JSON.stringify(await rowsOf(stack, callIds)));
      for (const row of rows) {
        assert.equal(row.disconnectCause, 'gateway-lost', `row ${row.callId}`);
        assert.ok(row.answeredAt, 'answered');
        assert.ok((row.durationS ?? 0) >= 1, `duration ${row.durationS} s`);
      }
    });

    await stack.step('no live call at the gateway', async () => {
      assert.deepEqual(await liveCalls(stack), []);
    });

    await stack.step('the clients reconnect with their login tokens and see no ghost call', async () => {
      for (const b of [alice, bob]) {
        const s = await b.waitState((x) => x.connection === 'connected' && x.lines.length > 0, 'reconnected with lines', 20_000);
        const running = s.calls.filter((c) => c.state !== 'destroyed' && c.state !== 'failed');
        assert.deepEqual(running, [], `${b.name}: no running call after the reconnect`);
        assert.equal(s.signInWith, 'token', `${b.name} keeps a token, not the password`);
      }
      // The restarted gateway counts from zero: both clients came back by token, none by password.
      const metrics = await gateway.metrics();
      const logins = (method: string): number => metricSum(metrics, 'ucserver_cti_gateway_logins_total', { method, result: 'success' });
      stack.log(`logins after the restart: token ${logins('token')}, password ${logins('password')}`);
      assert.ok(logins('token') >= 2, `both clients signed in with their token (${logins('token')})`);
      assert.equal(logins('password'), 0, 'no password was checked');
      await waitIdle(stack, alice, bob);
    });

    await stack.step('the next call works', async () => {
      await stack.waitRegistered([alice.user.line, bob.user.line]);
      await establish(stack, alice, bob);
      await hangUp(stack, bob, alice, 'normal');
      await before(Date.now() + 5000, 'no call snapshot left in the PBX_CALLS bucket', async () => (await snapshotKeys(stack)).length === 0, async () => JSON.stringify(await snapshotKeys(stack)));
    });
  } finally {
    if (!gateway.process.running) await gateway.restart().catch((err: unknown) => stack.log(`cti-gateway restart failed: ${(err as Error).message}`));
    await cleanup(stack, alice, bob);
  }
});

/** ucserver_pbx_adapter_calls_active summed over directions. */
function activeAdapterCalls(metrics: string): number {
  return metrics.split('\n').filter((l) => l.startsWith('ucserver_pbx_adapter_calls_active{')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}
