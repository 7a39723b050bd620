// The admin console (issue 17) in real Chromium inside the network namespace, over the whole stack
// (Kamailio + rtpengine, one media node): a non-admin is refused; the admin signs in, creates a user
// and a line (Kamailio shows its contact, the console its "registered"), watches a call between two
// softphones appear with its path and quality (updating without a reload), hangs it up from the
// console, finds the journal row (and its CSV), checks the System page, and drains the media node
// with a call on it (its calls go to 0). Capture: root starts, stops and downloads (.pcapng, read by
// tshark) a capture of the live call, finds it on the Captures page and deletes it, and switches a
// line's capture policy on and off; sets DND and a forward of bob's line that bob's page then shows. A screenshot per page, at 1280×800 and at phone width.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { check, framesPerInterface, linePassword, rtpStreams } from '@ucserver/testkit';
import { AdminBrowser } from './support/AdminBrowser.ts';
import { answer, cleanup, dialAndRing, tonesBothWays } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const ROOT = { login: 'root', password: 'root-secret' };
const DAVE = { login: 'dave', password: 'dave-secret', line: '102' };
let admin: AdminBrowser;

const e2e = stackWithUsers({
  scenario: '08-admin-console',
  pbxMode: 'media-via-pbx',
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

/** A step that also photographs the console when it fails. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await e2e.stack.step(name, fn);
  } catch (err) {
    await admin.screenshot(`FAILED-${name}`).catch(() => undefined);
    throw err;
  }
}

async function noHorizontalScroll(): Promise<void> {
  const overflow = await admin.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow} px too wide)`);
}

test('a non-admin login is refused', async () => {
  await step('alice (a user) signs in to the console: refused', async () => {
    await admin.login(e2e.alice.user.login, e2e.alice.user.password);
    await check(async () => (await admin.testid('login-error').textContent()) === 'This account is not an administrator.', 10_000, { name: 'the refusal is shown' });
    assert.equal(await admin.page.locator('#app-view').isHidden(), true);
    await admin.screenshot('login-refused');
  });
});

test('the admin creates a user and a line; the line registers at Kamailio', async () => {
  const { stack } = e2e;
  await step('root signs in with the keyboard only: the live calls page, the event stream live', async () => {
    await admin.testid('login-user').fill('');
    await admin.testid('login-password').fill('');
    await admin.testid('login-user').focus();
    await admin.page.keyboard.type(ROOT.login);
    await admin.page.keyboard.press('Tab');
    await admin.page.keyboard.type(ROOT.password);
    await admin.page.keyboard.press('Enter');
    await admin.page.locator('main[data-page="calls"][data-ready="true"]').waitFor({ timeout: 10_000 });
    await check(async () => (await admin.testid('live-status').getAttribute('data-state')) === 'live', 10_000, { name: 'event stream up' });
    assert.equal(await admin.testid('admin-user').textContent(), 'root');
  });
  await step('Users: root creates dave', async () => {
    await admin.open('users');
    await admin.testid('new-user-open').click();
    await admin.testid('new-user-login').fill(DAVE.login);
    await admin.testid('new-user-name').fill('Dave');
    await admin.testid('new-user-password').fill(DAVE.password);
    await admin.testid('new-user-create').click();
    await admin.page.locator('[data-testid="users-row"][data-login="dave"]').waitFor({ timeout: 10_000 });
    const users = await stack.admin<Array<{ login: string; role: string }>>('GET', '/api/v1/users');
    assert.equal(users.find((u) => u.login === 'dave')?.role, 'user');
    await admin.testid('users-search').fill('da');
    assert.equal(await admin.testid('users-row').count(), 1, 'the search keeps dave only');
    await admin.testid('users-search').fill('');
  });
  await step('Users: root edits dave (name, password reset, admin flag), disables and enables him', async () => {
    const row = (): ReturnType<AdminBrowser['testid']> => admin.page.locator('[data-testid="users-row"][data-login="dave"]');
    await row().getByTestId('user-edit').click();
    await admin.testid('edit-user-name').fill('Dave D.');
    await admin.testid('edit-user-password').fill('dave-new-secret');
    await admin.testid('edit-user-role').selectOption('admin');
    await admin.testid('edit-user-save').click();
    await check(async () => /Dave D\.[\s\S]*admin/.test(await row().innerText()), 10_000, { name: 'dave shown as admin "Dave D."' });
    const login = await fetch(`${e2e.stack.gatewayUrl}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: DAVE.login, password: 'dave-new-secret' }) });
    assert.equal(login.status, 200, 'the reset password works (and dave is an admin now)');
    await row().getByTestId('user-edit').click();
    await admin.testid('edit-user-role').selectOption('user');
    await admin.testid('edit-user-save').click();
    await check(async () => !/admin/.test(await row().innerText()), 10_000, { name: 'dave a user again' });
    await row().getByTestId('user-toggle').click();
    await check(async () => (await row().getByTestId('user-state').getAttribute('data-state')) === 'disabled', 10_000, { name: 'dave disabled' });
    await row().getByTestId('user-toggle').click();
    await check(async () => (await row().getByTestId('user-state').getAttribute('data-state')) === 'active', 10_000, { name: 'dave enabled' });
  });
  await step('Users: alice\'s details show her line and her softphone (WebSocket) connected', async () => {
    await admin.page.locator('[data-testid="users-row"][data-login="alice"]').getByTestId('user-details').click();
    const client = admin.testid('user-clients-row').first();
    await client.waitFor({ timeout: 10_000 });
    assert.match((await client.innerText()), /websocket[\s\S]*127\.0\.0\.1[\s\S]*softphone/);
    assert.match((await admin.testid('user-lines-row').first().innerText()), /100[\s\S]*registered/);
    await admin.screenshot('users');
  });
  await step('Lines: root creates line 102 for dave; Kamailio has its contact, the console shows "registered"', async () => {
    await admin.open('lines');
    await admin.testid('new-line').click();
    await admin.testid('line-form-number').fill(DAVE.line);
    await admin.testid('line-form-displayName').fill('Dave\'s line');
    await admin.testid('line-form-registrar').fill(stack.kamailio!.address);
    await admin.testid('line-form-transport').selectOption('udp');
    await admin.testid('line-form-authUser').fill(DAVE.line);
    await admin.testid('line-form-authPassword').fill(linePassword(DAVE.line));
    await admin.testid('line-form-owner').selectOption(DAVE.login);
    await admin.testid('line-form-save').click();
    const contacts = await stack.kamailio!.waitRegistered(DAVE.line, 15_000);
    assert.ok(contacts.length >= 1, 'Kamailio has a contact of line 102');
    const row = admin.page.locator('[data-testid="lines-row"][data-number="102"]');
    await check(async () => (await row.getByTestId('line-registration').getAttribute('data-state').catch(() => null)) === 'registered', 15_000, { name: 'the console shows line 102 registered (pushed, no reload)' });
    const line = (await stack.lines()).find((l) => l.number === DAVE.line) as unknown as Record<string, unknown>;
    assert.equal(line.owner, DAVE.login);
    assert.ok(!('authPassword' in line), 'the API never returns the SIP password');
    assert.equal(await admin.page.getByText(linePassword(DAVE.line)).count(), 0, 'the page never shows it');
  });
  await step('Lines: bob ticks DND on his softphone; the console shows it on line 101 (pushed), and clears it', async () => {
    const row = admin.page.locator('[data-testid="lines-row"][data-number="101"]');
    await e2e.bob.testid('line-settings-101').getByTestId('line-dnd').check();
    await check(async () => (await row.getByTestId('line-dnd').count()) === 1, 10_000, { name: 'DND badge on line 101' });
    await admin.screenshot('lines');
    await e2e.bob.testid('line-settings-101').getByTestId('line-dnd').uncheck();
    await check(async () => (await row.getByTestId('line-dnd').count()) === 0, 10_000, { name: 'DND badge gone' });
  });
  await step("Lines: root sets DND and a busy forward on bob's line 101 in the console; bob's softphone shows both (CTI events), then root clears them", async () => {
    const row = admin.page.locator('[data-testid="lines-row"][data-number="101"]');
    await row.getByTestId('line-routing-edit').click();
    await admin.testid('line-routing-dnd').check();
    await admin.testid('line-routing-busy').fill('102');
    await admin.screenshot('line-routing-form');
    await admin.testid('line-routing-save').click();
    await check(async () => (await row.getByTestId('line-dnd').count()) === 1 && (await row.getByTestId('line-forward').count()) === 1, 10_000, { name: 'DND and the forward on line 101 in the console' });
    const bobLine = e2e.bob.testid('line-settings-101');
    await check(async () => (await bobLine.getByTestId('line-dnd').isChecked()) && (await bobLine.getByTestId('forward-busy').inputValue()) === '102', 10_000, { name: "bob's page shows the admin's DND and busy forward" });
    const routing = ((await stack.lines()).find((l) => l.number === '101') as unknown as { routing: { dnd: boolean; forwards: Array<{ mode: string; destination: string }> } }).routing;
    assert.deepEqual([routing.dnd, routing.forwards.map((f) => `${f.mode}:${f.destination}`)], [true, ['busy:102']]);
    await row.getByTestId('line-routing-edit').click();
    await admin.testid('line-routing-dnd').uncheck();
    await admin.testid('line-routing-busy').fill('');
    await admin.testid('line-routing-save').click();
    await check(async () => !(await bobLine.getByTestId('line-dnd').isChecked()) && (await bobLine.getByTestId('forward-busy').inputValue()) === '', 10_000, { name: "bob's page clear again" });
  });
  await step('Lines: root switches the capture policy of line 102 on, then off (the policy API follows)', async () => {
    const box = admin.page.locator('[data-testid="lines-row"][data-number="102"]').getByTestId('line-capture');
    await check(async () => (await box.isEnabled()) && !(await box.isChecked()), 10_000, { name: 'line 102 capture policy read: off' });
    await box.check();
    await check(async () => (await stack.admin<{ enabled: boolean; updatedBy: string | null }>('GET', '/api/v1/lines/102/capture')).enabled, 10_000, { name: 'policy of 102 on' });
    const on = await stack.admin<{ enabled: boolean; updatedBy: string | null }>('GET', '/api/v1/lines/102/capture');
    assert.equal(on.updatedBy, ROOT.login, 'the policy names who set it');
    await check(async () => (await box.isEnabled()) && (await box.isChecked()), 10_000, { name: 'the box shows on' });
    await admin.screenshot('lines-capture-policy');
    await box.uncheck();
    await check(async () => !(await stack.admin<{ enabled: boolean }>('GET', '/api/v1/lines/102/capture')).enabled, 10_000, { name: 'policy of 102 off' });
    await check(async () => (await box.isEnabled()) && !(await box.isChecked()), 10_000, { name: 'the box shows off' });
  });
});

test('a live call appears with path and quality, and the admin hangs it up; the journal has its row', async () => {
  const { stack, alice, bob } = e2e;
  let callId = '';
  try {
    await admin.open('calls');
    await dialAndRing(stack, alice, bob);
    await answer(stack, alice, bob);
    await tonesBothWays(stack, alice, bob);
    await step('Live calls: the call of line 100 shows via PBX, media-1, its codec and quality that updates', async () => {
      const row = admin.page.locator('[data-testid="calls-row"][data-line="100"]');
      await row.waitFor({ timeout: 10_000 });
      callId = (await row.getAttribute('data-call-id'))!;
      assert.equal(await row.getByTestId('call-path').getAttribute('data-state'), 'pbx');
      assert.match((await row.getByTestId('call-node').textContent())!, /^media-1( \/ w0)?$/);
      const first = await check(async () => (await row.getAttribute('data-quality-at')) || undefined, 10_000, { name: 'quality reported' });
      // the worker comes with the node's stats, so the row may be drawn before it (the call sets up faster
      // than the first stats round); it names the worker once the quality is in
      assert.match((await row.getByTestId('call-node').textContent())!, /^media-1 \/ w0$/);
      assert.match((await row.getByTestId('call-codec').textContent())!, /^(opus|PCMU|PCMA|G722)$/);
      const second = await check(async () => {
        const at = await row.getAttribute('data-quality-at');
        return at && at !== first ? at : undefined;
      }, 10_000, { name: 'quality updates without a reload' });
      const api = (await stack.admin<Array<{ callId: string; line: string; quality?: { lossPercent: number; jitterMs: number; rttMs?: number; mos: number; packetsIn: number } }>>('GET', '/api/v1/calls')).find((c) => c.callId === callId);
      assert.ok(api?.quality, 'the API has the quality too');
      assert.ok(api.quality.packetsIn > 50, `packets received (${api.quality.packetsIn})`);
      assert.ok(api.quality.lossPercent < 5, `loss ${api.quality.lossPercent} %`);
      assert.ok(api.quality.mos >= 4, `MOS ${api.quality.mos}`);
      stack.log(`quality of ${callId} at ${second}: ${JSON.stringify(api.quality)}; console: loss ${await row.getByTestId('call-loss').textContent()}, jitter ${await row.getByTestId('call-jitter').textContent()}, MOS ${await row.getByTestId('call-mos').textContent()}`);
      await admin.screenshot('calls-live');
    });
    await step('Live calls: root starts a capture of the call; it runs and grows', async () => {
      const row = admin.page.locator(`[data-testid="calls-row"][data-call-id="${callId}"]`);
      await row.getByTestId('capture-start').click();
      await check(async () => (await row.getByTestId('capture-state').getAttribute('data-state').catch(() => null)) === 'running', 10_000, { name: 'capture running' });
      const running = await check(async () => (await stack.admin<Array<{ callId: string; state: string; bytes: number; packets: number; startedBy: string }>>('GET', `/api/v1/captures?callId=${callId}`))
        .find((c) => c.state === 'running' && c.packets >= 300), 10_000, { name: 'capture of 300 packets' });
      assert.equal(running.startedBy, ROOT.login);
      await check(async () => /running · [\d.]+ kB/.test((await row.getByTestId('capture-state').textContent()) ?? ''), 10_000, { name: 'the row shows the running size' });
      await admin.screenshot('calls-capture-running');
    });
    await step('Live calls: a second start on bob\'s end, already captured meanwhile, is refused with a clear 409 message', async () => {
      const row = admin.page.locator('[data-testid="calls-row"][data-line="101"]');
      const bobCall = (await row.getAttribute('data-call-id'))!;
      // another admin starts it (the console's token, its own fetch), then root clicks Start on the row
      // the console drew before: no refresh can come between the two
      const status = await admin.page.evaluate(async (id) => {
        const res = await fetch(`/api/v1/calls/${id}/capture`, { method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('ucs-admin-token')}`, 'content-type': 'application/json' }, body: '{}' });
        document.querySelector<HTMLButtonElement>(`[data-testid="calls-row"][data-call-id="${id}"] [data-testid="capture-start"]`)!.click();
        return res.status;
      }, bobCall);
      assert.equal(status, 201);
      await check(async () => /^A capture of this call is already running/.test((await admin.testid('banner').textContent()) ?? ''), 10_000, { name: '409 shown' });
      assert.equal(await admin.testid('banner').getAttribute('role'), 'alert');
      await check(async () => (await row.getByTestId('capture-state').getAttribute('data-state').catch(() => null)) === 'running', 10_000, { name: 'the row shows the running capture after the refusal' });
      await admin.screenshot('calls-capture-409');
      await row.getByTestId('capture-stop').click();
      await check(async () => (await row.getByTestId('capture-state').getAttribute('data-state').catch(() => null)) === 'stopped', 10_000, { name: 'bob\'s capture stopped' });
    });
    await step('Live calls: root stops the capture and downloads it: a pcapng file tshark reads', async () => {
      const row = admin.page.locator(`[data-testid="calls-row"][data-call-id="${callId}"]`);
      await row.getByTestId('capture-stop').click();
      await check(async () => (await row.getByTestId('capture-state').getAttribute('data-state').catch(() => null)) === 'stopped', 10_000, { name: 'capture stopped' });
      const download = admin.page.waitForEvent('download');
      await row.getByTestId('capture-download').click();
      const d = await download;
      assert.match(d.suggestedFilename(), new RegExp(`^call-${callId}-.+\\.pcapng$`));
      const path = (await d.path())!;
      const file = readFileSync(path);
      assert.equal(file.readUInt32BE(0), 0x0a0d0d0a, 'pcapng section header block');
      const frames = await framesPerInterface(path);
      const streams = await rtpStreams(path);
      const total = Object.values(frames).reduce((a, b) => a + b, 0);
      assert.ok(total >= 300, `tshark reads ${total} frames (${JSON.stringify(frames)})`);
      assert.ok(streams.length >= 2, `RTP streams both ways (${streams.length})`);
      stack.log(`console capture of ${callId}: ${file.length} bytes, frames ${JSON.stringify(frames)}, RTP ${streams.map((r) => `${r.payload}:${r.packets}`).join(' ')}`);
      await check(async () => /Downloaded the capture/.test((await admin.testid('banner').textContent()) ?? ''), 5000, { name: 'download confirmed' });
      await admin.screenshot('calls-capture-stopped');
    });
    await step('root hangs the call up from the console: both softphones end, the list empties', async () => {
      const row = admin.page.locator(`[data-testid="calls-row"][data-call-id="${callId}"]`);
      await row.getByTestId('call-hangup').click();
      await alice.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      await bob.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      await check(async () => (await admin.testid('calls-row').count()) === 0, 10_000, { name: 'no running call listed' });
      assert.equal(await admin.testid('calls-count').textContent(), '0');
    });
    await step('Journal: the call\'s row, filtered by line, result and path; the CSV has it', async () => {
      await check(async () => (await stack.journal('100')).find((r) => r.callId === callId && r.endedAt !== null), 15_000, { name: 'journal row ended' });
      await admin.open('journal');
      await admin.testid('journal-line').fill('100');
      await admin.testid('journal-result').selectOption('answered');
      await admin.testid('journal-path').selectOption('pbx');
      await admin.testid('journal-apply').click();
      await admin.page.locator(`[data-testid="journal-row"][data-call-id="${callId}"]`).waitFor({ timeout: 10_000 });
      const download = admin.page.waitForEvent('download');
      await admin.testid('journal-csv').click();
      const csv = readFileSync((await (await download).path())!, 'utf8');
      assert.match(csv, /^callId,lineNumber,direction,/);
      assert.ok(csv.includes(callId), 'the CSV holds the call');
      await admin.screenshot('journal');
    });
    await step('Captures: the stored capture with its call, line, size and who started it; root deletes it', async () => {
      await admin.open('captures');
      const row = admin.page.locator(`[data-testid="captures-row"][data-call-id="${callId}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.match(await row.innerText(), /\b100\b[\s\S]*stopped[\s\S]*media-1[\s\S]*root/);
      assert.ok(Number(await row.getByTestId('capture-size').getAttribute('data-bytes')) > 10_000, 'its size');
      await admin.screenshot('captures');
      admin.page.once('dialog', (dialog) => void dialog.accept());
      await row.getByTestId('capture-delete').click();
      await check(async () => (await row.count()) === 0, 10_000, { name: 'the row is gone' });
      const left = await stack.admin<Array<{ callId: string }>>('GET', `/api/v1/captures?callId=${callId}`);
      assert.equal(left.length, 0, 'the media node has no capture of the call any more');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('System shows NATS, the database and every service healthy', async () => {
  await step('System page', async () => {
    await admin.open('system');
    for (const name of ['cti-gateway', 'NATS', 'Database', 'pbx-adapter', 'media media-1']) {
      const state = await admin.page.locator(`[data-testid="components-row"][data-component="${name}"]`).getByTestId('component-state').getAttribute('data-state');
      assert.equal(state, 'ok', `${name} ok`);
    }
    // Each service's version and uptime: the gateway's own, the pbx-adapter's reply, the media node's heartbeat.
    const system = await e2e.stack.admin<{ components: Array<{ name: string; version?: string; uptimeS?: number }> }>('GET', '/api/v1/system');
    for (const name of ['cti-gateway', 'pbx-adapter', 'media media-1']) {
      const c = system.components.find((x) => x.name === name);
      assert.match(c?.version ?? '', /^\d+\.\d+\.\d+/, `${name} version`);
      assert.ok(typeof c?.uptimeS === 'number' && c.uptimeS >= 0, `${name} uptime`);
    }
    await admin.screenshot('system');
  });
});

test('the admin drains the media node with a call on it: its calls go to 0', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await admin.open('nodes');
    await dialAndRing(stack, alice, bob);
    await answer(stack, alice, bob);
    const node = admin.page.locator('[data-testid="node"][data-node-id="media-1"]');
    // media via the PBX: alice's call on line 100 and bob's on line 101 are two media calls on the node
    await step('Media nodes: media-1 carries both ends of the call on its one worker', async () => {
      await check(async () => (await node.getByTestId('node-calls').textContent()) === '2', 10_000, { name: 'media-1 shows 2 calls' });
      assert.equal(await node.getByTestId('workers-row').count(), 1);
      assert.equal(await node.getByTestId('workers-row').locator('td').nth(2).textContent(), '2', 'worker #0 carries both calls');
      // Their payload types agree (rtpengine passes A's numbering on to B's node): one shared router (RouterShare).
      assert.equal(await node.getByTestId('workers-row').locator('td').nth(3).textContent(), '1', 'the two calls share one router');
      assert.match((await node.getByTestId('node-heartbeat').textContent())!, /s ago$/);
      await admin.screenshot('nodes-with-call');
    });
    await step('root drains media-1: draining, the call ends, calls 0', async () => {
      await node.getByTestId('node-drain').click();
      await check(async () => (await node.getAttribute('data-draining')) === 'true', 10_000, { name: 'media-1 draining' });
      await alice.waitCall((c) => c.state === 'destroyed', 'call ended by the drain', 15_000);
      await check(async () => (await node.getByTestId('node-calls').textContent()) === '0', 10_000, { name: 'media-1 calls 0' });
      await admin.screenshot('nodes-drained');
    });
    await step('phone width: the nodes, lines and captures pages fit 390 px without horizontal scrolling', async () => {
      await admin.page.setViewportSize({ width: 390, height: 844 });
      try {
        await noHorizontalScroll();
        await admin.screenshot('phone-nodes');
        await admin.open('lines');
        await noHorizontalScroll();
        await admin.screenshot('phone-lines');
        await admin.open('captures');
        await admin.testid('captures-row').first().waitFor({ timeout: 10_000 });
        await noHorizontalScroll();
        await admin.screenshot('phone-captures');
      } finally {
        await admin.page.setViewportSize({ width: 1280, height: 800 });
      }
    });
    await step('root resumes media-1: it takes calls again', async () => {
      await admin.open('nodes');
      await node.getByTestId('node-resume').click();
      await check(async () => (await node.getAttribute('data-draining')) === 'false', 10_000, { name: 'media-1 accepting' });
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});
