// Call pickup (issue 15) on every media path, with three Chromium softphones and the admin console: alice
// calls bob, bob's softphone rings. The admin's pickup group "sales" holds bob only: carol's "Pick up" on
// bob's row of her People panel (asnCtiPickupCall) is refused with the catalogued error, and the call
// keeps ringing at bob. The admin adds carol to the group: her "Pick up" moves the call to her line
// (pbx-adapter call.pickup), bob's softphone stops ringing (asnAVDropCall 'picked-up', CTI
// disconnected/destroyed), carol's softphone gets the media node's offer with REMOTE_ACCEPT and answers,
// the pbx-adapter answers the INVITE (200 OK). alice and carol hear each other's tones; the journal: bob's
// row 'picked-up' by 102, carol's row answered. 15 runs it via the PBX, 19 with Direct Media.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, type KamailioMode } from '@ucserver/testkit';
import { AdminBrowser } from './AdminBrowser.ts';
import type { BrowserUser } from './BrowserUser.ts';
import { cleanup, dialAndRing, hangUp, tonesBothWays } from './callFlow.ts';
import { ALICE, BOB, CAROL, type JournalRow } from './E2eStack.ts';
import { stackWithUsers, type StackWithUsers } from './stackWithUsers.ts';

const ROOT = { login: 'root', password: 'root-secret' };

/** The file's stack (A, B, C signed in) with an operator on the admin console. */
export interface PickupStack {
  e2e: StackWithUsers;
  /** The operator's console (once the stack runs). */
  admin(): AdminBrowser;
}

/** Registers the file's stack: A, B, C and an operator's admin console, Kamailio in `pbxMode`. */
export function pickupStack(scenario: string, pbxMode: KamailioMode): PickupStack {
  let admin: AdminBrowser | undefined;
  const e2e = stackWithUsers({
    scenario,
    pbxMode,
    users: [ALICE, BOB, CAROL],
    setUp: async (stack) => {
      await stack.admin('POST', '/api/v1/users', { login: ROOT.login, password: ROOT.password, displayName: 'Operator', role: 'admin' });
      const tmp = mkdtempSync(join(tmpdir(), 'ucs-admin-'));
      const opened = await AdminBrowser.launch({ name: 'admin', baseUrl: stack.gatewayUrl, artifacts: stack.artifacts, tmp });
      admin = opened;
      stack.onStop(async () => {
        await opened.close();
        rmSync(tmp, { recursive: true, force: true });
      });
    },
  });
  return {
    e2e,
    admin: () => {
      if (!admin) throw new Error('the admin console is not open (the stack has not started)');
      return admin;
    },
  };
}

/** The console's row of pickup group `name`, once its users cell reads `users`. */
async function groupRow(admin: AdminBrowser, name: string, users: string): Promise<void> {
  const row = admin.page.locator(`[data-testid="pickup-groups-row"][data-name="${name}"]`);
  await check(async () => (await row.innerText().catch(() => '')).includes(users), 10_000, { name: `console row of ${name} lists ${users}`, intervalMs: 100 });
}

/** `viewer` sees `login` with `badge` on the People panel. */
async function waitBadge(viewer: BrowserUser, login: string, badge: string, timeoutMs = 10_000): Promise<void> {
  const row = viewer.testid(`presence-${login}`);
  await check(async () => (await row.getAttribute('data-presence').catch(() => null)) === badge, timeoutMs, { name: `${viewer.name} sees ${login} "${badge}"`, intervalMs: 100 });
}

/** The closed journal row of `line` that satisfies `predicate`. */
async function closedRow(e2e: StackWithUsers, line: string, predicate: (r: JournalRow) => boolean, what: string): Promise<JournalRow> {
  return check(async () => (await e2e.stack.journal(line)).find((r) => predicate(r) && r.endedAt !== null), 15_000, { name: `${what} (journal of ${line})`, intervalMs: 200 });
}

/**
 * carol, outside bob's pickup group, is refused and bob keeps ringing; once in the group she takes the
 * call (same connection id), alice and carol talk, bob stops ringing; the journal has the pickup, and
 * carol's row the media path `mediaPath`.
 */
export async function pickupScenario(ps: PickupStack, mediaPath: 'pbx' | 'direct'): Promise<void> {
  const { e2e } = ps;
  const admin = ps.admin();
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
      await groupRow(admin, 'sales', 'bob');
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
      await groupRow(admin, 'sales', 'bob, carol');
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
      const b = await closedRow(e2e, '101', (r) => r.callId === ids.calleeId, 'bob\'s row');
      assert.equal(b.disconnectCause, 'picked-up');
      assert.equal(b.pickedUpBy, '102');
      assert.equal(b.answeredAt, null, 'bob never answered');
      const c = await closedRow(e2e, '102', (r) => r.callId.startsWith(`${ids.calleeId}~`), 'carol\'s row');
      assert.equal(c.remoteNumber, '100');
      assert.equal(c.direction, 'inbound');
      assert.ok(c.answeredAt, 'carol answered');
      assert.equal(c.disconnectCause, 'normal');
      assert.equal(c.mediaPath, mediaPath);
      const a = await closedRow(e2e, '100', (r) => r.callId === ids.callerId, 'alice\'s row');
      assert.ok(a.answeredAt);
      stack.log(`journal: 100 ${a.disconnectCause} ${a.durationS}s; 101 ${b.disconnectCause} by ${b.pickedUpBy}; 102 ${c.callId} ${c.disconnectCause} ${c.durationS}s`);
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
}
