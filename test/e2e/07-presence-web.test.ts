// Presence, absent state, note, DND and forwarding on the web softphone (issue 12), two Chromium pages
// through Kamailio + rtpengine: alice's People panel shows bob free → busy while they talk (alice calls
// him with the panel's Call button) → free; bob's note and absent state reach alice's page; bob's DND
// switch on his page shows "Do not disturb" on alice's and her call to 101 ends busy; bob's forwarding
// form is stored (the page reads it back from presence) and cleared. A user the admin creates while the
// pages are open appears on alice's panel at once (the page follows the buddy list), and leaves it when removed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, linePassword } from '@ucserver/testkit';
import type { BrowserUser } from './support/BrowserUser.ts';
import { answer, cleanup, hangUp, tonesBothWays } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '07-presence-web', pbxMode: 'media-via-pbx' });

/** The badge of `login` on `viewer`'s People panel, once it is `badge`. */
async function waitBadge(viewer: BrowserUser, login: string, badge: string, timeoutMs = 10_000): Promise<void> {
  const row = viewer.testid(`presence-${login}`);
  await check(async () => (await row.getAttribute('data-presence').catch(() => null)) === badge, timeoutMs, {
    name: `${viewer.name} sees ${login} "${badge}"`,
    intervalMs: 100,
  }).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message} (row: ${await row.getAttribute('data-presence').catch(() => 'missing')})`, { cause: err });
  });
}

test('alice sees bob free, busy on a call placed from the People panel, free again', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await stack.step('alice\'s People panel lists bob, free, with line 101', async () => {
      await waitBadge(alice, 'bob', 'free');
      const row = alice.testid('presence-bob');
      assert.match(await row.innerText(), /Bob[\s\S]*101[\s\S]*Free/);
      assert.equal(await alice.testid('presence-alice').count(), 0, 'alice is not in her own list');
      assert.equal(await alice.testid('my-presence').getAttribute('data-presence'), 'free');
      await alice.screenshot('people-free');
    });
    await stack.step('alice clicks Call on bob: bob rings, bob "ringing"', async () => {
      await alice.testid('presence-bob').getByTestId('presence-call').click();
      await bob.waitCall((c) => c.direction === 'inbound' && c.state === 'offering' && c.avCallId !== undefined, 'an incoming call is offered', 15_000);
      const out = await alice.waitCall((c) => c.direction === 'outbound' && c.state === 'ringback', 'ringback', 10_000);
      assert.equal(out.remote, '101');
      await waitBadge(alice, 'bob', 'ringing');
      await alice.screenshot('people-ringing');
    });
    await answer(stack, alice, bob);
    await tonesBothWays(stack, alice, bob);
    await stack.step('bob "busy" on alice\'s page while they talk (and alice busy on her own)', async () => {
      await waitBadge(alice, 'bob', 'busy');
      await check(async () => (await alice.testid('my-presence').getAttribute('data-presence')) === 'busy', 10_000, { name: 'alice\'s own badge busy' });
      await alice.screenshot('people-busy');
    });
    await hangUp(stack, alice, bob, 'normal');
    await stack.step('bob "free" again after the call', async () => {
      await waitBadge(alice, 'bob', 'free');
      await alice.screenshot('people-free-again');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('a user the admin creates while alice\'s page is open appears on her People panel live, with the line given to them; removed, they leave it', async () => {
  const { stack, alice } = e2e;
  const row = alice.testid('presence-dave');
  try {
    await stack.step('admin creates dave: alice\'s panel lists dave (offline: no client) without a reconnect', async () => {
      assert.equal(await row.count(), 0);
      const t0 = Date.now();
      await stack.admin('POST', '/api/v1/users', { login: 'dave', password: 'dave-pw-1234', displayName: 'Dave D' });
      await waitBadge(alice, 'dave', 'offline');
      stack.log(`dave listed on alice's page ${Date.now() - t0} ms after the admin created him`);
      assert.match(await row.innerText(), /Dave D/);
    });
    await stack.step('admin gives dave line 109: alice sees the line under dave', async () => {
      await stack.admin('POST', '/api/v1/lines', { number: '109', registrar: stack.kamailio!.address, transport: 'udp', authUser: '109', authPassword: linePassword('109'), owner: 'dave', displayName: 'Dave\'s line' });
      await check(async () => /109/.test(await row.innerText().catch(() => '')), 10_000, { name: 'line 109 under dave', intervalMs: 100 });
      await alice.screenshot('people-new-user');
    });
    await stack.step('admin removes dave: he leaves alice\'s panel', async () => {
      await stack.admin('DELETE', '/api/v1/users/dave');
      await check(async () => (await row.count()) === 0, 10_000, { name: 'dave gone from alice\'s panel', intervalMs: 100 });
      await waitBadge(alice, 'bob', 'free');
    });
  } finally {
    await stack.admin('DELETE', '/api/v1/lines/109').catch(() => undefined);
    await stack.admin('DELETE', '/api/v1/users/dave').catch(() => undefined);
  }
});

test('bob sets a note and his absent state on his page; alice sees both', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await stack.step('bob saves a note: it shows under bob on alice\'s page', async () => {
      await bob.testid('note-text').fill('In the lab until 3');
      await bob.testid('note-save').click();
      await check(async () => (await alice.testid('presence-bob').getByTestId('presence-note').textContent().catch(() => null)) === 'In the lab until 3', 10_000, { name: 'alice sees bob\'s note' });
    });
    await stack.step('bob picks "Out of office": alice sees bob away; "Present" makes him free', async () => {
      await bob.testid('absent-state').selectOption({ label: 'Out of office' });
      await waitBadge(alice, 'bob', 'away');
      await check(async () => (await bob.testid('my-presence').getAttribute('data-presence')) === 'away', 10_000, { name: 'bob\'s own badge away' });
      await alice.screenshot('people-away-note');
      await bob.screenshot('status-away');
      await bob.testid('absent-state').selectOption({ label: 'Present' });
      await waitBadge(alice, 'bob', 'free');
    });
    await stack.step('bob clears the note', async () => {
      await bob.testid('note-text').fill('');
      await bob.testid('note-save').click();
      await check(async () => (await alice.testid('presence-bob').getByTestId('presence-note').count()) === 0, 10_000, { name: 'bob\'s note gone on alice\'s page' });
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('bob switches DND on his page: alice sees "Do not disturb" and her call to 101 ends busy; off again → free', async () => {
  const { stack, alice, bob } = e2e;
  const dnd = bob.testid('line-settings-101').getByTestId('line-dnd');
  try {
    await stack.step('bob ticks Do not disturb on line 101', async () => {
      await dnd.check();
      await waitBadge(alice, 'bob', 'dnd');
      await check(async () => (await bob.testid('line-settings-101').getAttribute('data-dnd')) === 'true', 10_000, { name: 'bob\'s page shows DND on from the server' });
      await alice.screenshot('people-dnd');
      await bob.screenshot('line-dnd-on');
    });
    await stack.step('alice calls bob from the panel: busy, bob\'s browser never rings', async () => {
      const offered = async (): Promise<number> => (await bob.state()).calls.filter((c) => c.avCallId !== undefined && c.direction === 'inbound').length;
      const before = await offered();
      await alice.testid('presence-bob').getByTestId('presence-call').click();
      const a = await alice.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      assert.equal(a.cause, 'busy');
      assert.equal(await offered(), before, 'bob was never offered the call');
    });
    await stack.step('bob unticks it: free again', async () => {
      await bob.testid('line-settings-101').getByTestId('line-dnd').uncheck();
      await waitBadge(alice, 'bob', 'free');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('bob saves forwards on his page (what he typed survives redraws): they come back from the server, then are removed', async () => {
  const { stack, alice, bob } = e2e;
  const settings = bob.testid('line-settings-101');
  try {
    await stack.step('bob sets busy → 100 and no answer → 100 after 7 s', async () => {
      await settings.getByTestId('forward-busy').fill('100');
      // DND on and off before saving: the server's news redraws the form twice; what bob typed stays
      for (const on of [true, false]) {
        await settings.getByTestId('line-dnd').setChecked(on);
        await check(async () => (await settings.getAttribute('data-dnd')) === String(on), 10_000, { name: `bob's page shows DND ${on ? 'on' : 'off'} from the server` });
        assert.equal(await settings.getByTestId('forward-busy').inputValue(), '100', 'the typed busy forward survives the redraw');
      }
      await settings.getByTestId('forward-noanswer').fill('100');
      await settings.getByTestId('forward-seconds').fill('7');
      await settings.getByTestId('forward-save').click();
      // the form is rebuilt from bob's own presence (seqLineForwards) once the server announced them
      await check(async () => {
        const s = bob.testid('line-settings-101');
        const values = [await s.getByTestId('forward-immediate').inputValue(), await s.getByTestId('forward-busy').inputValue(), await s.getByTestId('forward-noanswer').inputValue(), await s.getByTestId('forward-seconds').inputValue()];
        return JSON.stringify(values) === JSON.stringify(['', '100', '100', '7']) ? values : undefined;
      }, 10_000, { name: 'bob\'s form shows the stored forwards' });
      await bob.screenshot('forwards-set');
    });
    await stack.step('bob empties both: removed', async () => {
      await bob.testid('line-settings-101').getByTestId('forward-busy').fill('');
      await bob.testid('line-settings-101').getByTestId('forward-noanswer').fill('');
      await bob.testid('line-settings-101').getByTestId('forward-save').click();
      await check(async () => (await bob.testid('line-settings-101').getByTestId('forward-busy').inputValue()) === '' && (await bob.testid('line-settings-101').getByTestId('forward-noanswer').inputValue()) === '', 10_000, { name: 'forwards removed' });
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('narrow screen: the presence, status and forwarding cards stack in one column without horizontal scrolling', async () => {
  const { stack, bob } = e2e;
  await stack.step('400 px wide', async () => {
    await bob.page.setViewportSize({ width: 400, height: 900 });
    try {
      const overflow = await bob.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling (${overflow} px too wide)`);
      const lefts = await bob.page.evaluate(() => ['.sec-people', '.sec-status', '.sec-routing'].map((s) => Math.round(document.querySelector(s)!.getBoundingClientRect().left)));
      assert.equal(new Set(lefts).size, 1, `one column (left edges ${lefts.join(', ')})`);
      await bob.screenshot('narrow');
    } finally {
      await bob.page.setViewportSize({ width: 1280, height: 880 });
    }
  });
});
