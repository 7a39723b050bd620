// Call pickup through Kamailio + rtpengine with three Chromium softphones (issue 15): alice calls bob, bob's
// softphone rings. The admin's pickup group "sales" holds bob only: carol's "Pick up" on bob's row of her
// People panel (asnCtiPickupCall) is refused with the catalogued error, and the call keeps ringing at bob.
// The admin adds carol to the group: her "Pick up" moves the call to her line (pbx-adapter call.pickup),
// bob's softphone stops ringing (asnAVDropCall 'picked-up', CTI disconnected/destroyed), carol's softphone
// gets the media node's offer with REMOTE_ACCEPT and answers, the pbx-adapter answers the INVITE (200 OK).
// alice and carol hear each other's tones; the journal: bob's row 'picked-up' by 102, carol's row answered.
// The operator sets the group on the admin console's Pickup groups page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { AdminBrowser } from './support/AdminBrowser.ts';
import type { BrowserUser } from './support/BrowserUser.ts';
import { cleanup, dialAndRing, hangUp, tonesBothWays } from './support/callFlow.ts';
import { ALICE, BOB, CAROL, type JournalRow } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const ROOT = { login: 'root', password: 'root-secret' };
let admin: AdminBrowser;

const e2e = stackWithUsers({
  scenario: '15-pickup',
  pbxMode: 'media-via-pbx',
  users: [ALICE, BOB, CAROL],
  setUp: async (stack) => {
    await stack.admin('POST', '/api/v1/users', { login: ROOT.login, password: ROOT.password, displayName: 'Operator', role: 'admin' });
    const tmp = mkdtempSync(join(tmpdir(), 'ucs-admin-'));
    admin = await AdminBrowser.launch({ name: 'admin', baseUrl: stack.gatewayUrl, artifacts: stack.artifacts, tmp });
    stack.onStop(async () => {
      await admin.close();
      rmSync(tmp, { recursive: true, force: true });
    });
  },
});

/** The console's row of pickup group `name`, once its users cell reads `users`. */
async function groupRow(name: string, users: string): Promise<void> {
  const row = admin.page.locator(`[data-testid="pickup-groups-row"][data-name="${name}"]`);
  await check(async () => (await row.innerText().catch(() => '')).includes(users), 10_000, { name: `console row of ${name} lists ${users}`, intervalMs: 100 });
}

/** `viewer` sees `login` with `badge` on the People panel. */
async function waitBadge(viewer: BrowserUser, login: string, badge: string, timeoutMs = 10_000): Promise<void> {
  const row = viewer.testid(`presence-${login}`);
  await check(async () => (await row.getAttribute('data-presence').catch(() => null)) === badge, timeoutMs, { name: `${viewer.name} sees ${login} "${badge}"`, intervalMs: 100 });
}

/** The closed journal row of `line` that satisfies `predicate`. */
async function closedRow(line: string, predicate: (r: JournalRow) => boolean, what: string): Promise<JournalRow> {
  return check(async () => (await e2e.stack.journal(line)).find((r) => predicate(r) && r.endedAt !== null), 15_000, { name: `${what} (journal of ${line})`, intervalMs: 200 });
}

test('pickup: carol outside the group is refused and bob keeps ringing; in the group she takes the call, alice and carol talk, bob stops ringing', async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    await stack.step('the operator creates pickup group "sales" with bob only on the console', async () => {
      await admin.login(ROOT.login, ROOT.password);
      await admin.open('pickup');
      await admin.testid('new-pickup-group-open').click();
      await admin.testid('new-pickup-group-name').fill('sales');
      await admin.testid('new-pickup-group-users').fill('bob');
      await admin.testid('new-pickup-group-save').click();
      await groupRow('sales', 'bob');
      const groups = await stack.admin<Array<{ name: string; users: string[] }>>('GET', '/api/v1/pickup-groups');
      assert.deepEqual(groups.map((g) => [g.name, g.users]), [['sales', ['bob']]]);
      await admin.screenshot('pickup-group-created');
    });
    const ids = await dialAndRing(stack, alice, bob);
    await stack.step('carol sees bob ringing on her People panel, with a Pick up button', async () => {
      await waitBadge(carol, 'bob', 'ringing');
      await carol.testid('presence-bob').getByTestId('presence-pickup').waitFor({ timeout: 5_000 });
      await carol.screenshot('people-bob-ringing');
    });
    await stack.step('carol (outside the group) presses Pick up: refused, the call keeps ringing at bob', async () => {
      await carol.testid('presence-bob').getByTestId('presence-pickup').click();
      const banner = carol.testid('banner');
      await check(async () => /share no pickup group/.test(await banner.innerText().catch(() => '')), 10_000, { name: 'carol\'s banner shows the refusal', intervalMs: 100 });
      stack.log(`carol's banner: ${await banner.innerText()}`);
      await carol.screenshot('pickup-refused');
      const b = await bob.waitCall((c) => c.id === ids.calleeId, 'bob\'s call', 2_000);
      assert.equal(b.state, 'offering', 'bob\'s call still rings');
      assert.equal((await bob.state()).ringing, 'ring', 'bob\'s ring tone plays on');
      const a = await alice.waitCall((c) => c.id === ids.callerId, 'alice\'s call', 2_000);
      assert.equal(a.state, 'ringback', 'alice still hears ringback');
      assert.equal((await carol.state()).calls.length, 0, 'carol got no call');
    });
    await stack.step('the operator adds carol to "sales" on the console', async () => {
      await admin.page.locator('[data-testid="pickup-groups-row"][data-name="sales"]').getByTestId('pickup-group-edit').click();
      await admin.testid('edit-pickup-group-users').fill('bob, carol');
      await admin.testid('edit-pickup-group-save').click();
      await groupRow('sales', 'bob, carol');
      const [group] = await stack.admin<Array<{ users: string[] }>>('GET', '/api/v1/pickup-groups');
      assert.deepEqual(group?.users, ['bob', 'carol']);
      await admin.screenshot('pickup-group-edited');
    });
    await stack.step('carol presses Pick up: her softphone takes the call (connected, remote audio), bob\'s stops ringing', async () => {
      await carol.testid('presence-bob').getByTestId('presence-pickup').click();
      const c = await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'connected' && x.hasRemoteAudio, 'carol connected with remote audio', 15_000);
      assert.equal(c.id, ids.calleeId, 'carol has the call that rang at bob (same connection id)');
      assert.equal(c.remote, '100');
      const b = await bob.waitCall((x) => x.id === ids.calleeId && x.state === 'destroyed', 'bob\'s call ends', 10_000);
      assert.equal(b.cause, 'picked-up');
      assert.equal(b.avDropCause, 'picked-up', 'bob\'s softphone was told by asnAVDropCall');
      assert.equal((await bob.state()).ringing, 'off', 'bob\'s ring tone stopped');
      await alice.waitCall((x) => x.id === ids.callerId && x.state === 'connected' && x.hasRemoteAudio, 'alice connected', 10_000);
      await waitBadge(carol, 'bob', 'free');
      assert.equal(await carol.callRow(ids.calleeId).getByTestId('call-picked-up-from').innerText(), 'Picked up from 101');
      assert.equal(await bob.callRow(ids.calleeId).getByTestId('call-cause').innerText(), 'Picked up by 102');
    });
    await tonesBothWays(stack, alice, carol, 'alice and carol hear each other');
    await carol.screenshot('picked-up');
    await bob.screenshot('picked-up-elsewhere');
    await alice.screenshot('talking-to-carol');
    await hangUp(stack, carol, alice, 'normal');
    await stack.step('journal: bob\'s row picked up by 102, carol\'s row answered (from 100), alice\'s row answered', async () => {
      const b = await closedRow('101', (r) => r.callId === ids.calleeId, 'bob\'s row');
      assert.equal(b.disconnectCause, 'picked-up');
      assert.equal(b.pickedUpBy, '102');
      assert.equal(b.answeredAt, null, 'bob never answered');
      const c = await closedRow('102', (r) => r.callId.startsWith(`${ids.calleeId}~`), 'carol\'s row');
      assert.equal(c.remoteNumber, '100');
      assert.equal(c.direction, 'inbound');
      assert.ok(c.answeredAt, 'carol answered');
      assert.equal(c.disconnectCause, 'normal');
      assert.equal(c.mediaPath, 'pbx');
      const a = await closedRow('100', (r) => r.callId === ids.callerId, 'alice\'s row');
      assert.ok(a.answeredAt);
      stack.log(`journal: 100 ${a.disconnectCause} ${a.durationS}s; 101 ${b.disconnectCause} by ${b.pickedUpBy}; 102 ${c.callId} ${c.disconnectCause} ${c.durationS}s`);
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
});
