// Scenario 0: the web softphone without calls — sign-in (wrong and right password), the user's own
// lines with their registration state as the pbx-adapter reports it, the (empty) journal, log-out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { enterNetworkNamespace } from './support/netns.ts';
import { ALICE, BOB } from './support/E2eStack.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '01-login-lines-journal', login: false });

test('login with a wrong password shows the error and stays on the sign-in form', async () => {
  const { stack, alice } = e2e;
  await stack.step('wrong password', async () => {
    await alice.login('not-the-password');
    const error = alice.testid('login-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await error.textContent()) ?? '', /password|user|login/i);
    assert.equal(await alice.testid('app').isVisible(), false);
    assert.equal((await alice.state()).connection, 'logged-out');
    await alice.screenshot('login-wrong-password');
  });
});

test('login shows each user only their own line with its registration state', async () => {
  const { stack, alice, bob } = e2e;
  await stack.step('login A and B', async () => {
    await alice.login();
    await bob.login();
  });
  await stack.step('lines and registration state', async () => {
    const apiLines = await stack.lines();
    for (const [browser, user] of [[alice, ALICE], [bob, BOB]] as const) {
      const s = await browser.waitState((st) => st.lines.length === 1 && st.lines[0]!.registration === 'registered', `line ${user.line} shown as registered`);
      assert.equal(s.lines[0]!.number, user.line);
      assert.equal(s.lines[0]!.uri, `tel:${user.line}`);
      assert.equal(s.lines[0]!.openStatus, 2, 'iLineOpenStatus: 2 open, 4 no PBX connection');
      const api = apiLines.find((l) => l.number === user.line);
      assert.equal(api?.owner, user.login);
      assert.equal(api?.registration?.status, 'registered');
      const row = browser.testid(`line-${user.line}`);
      assert.equal(await row.getAttribute('data-status'), 'registered');
      assert.match((await row.getByTestId('line-status').textContent()) ?? '', /^Registered$/);
      assert.equal(await browser.testid(`line-${user.line === '100' ? '101' : '100'}`).count(), 0, 'the other user\'s line is not shown');
    }
    await alice.screenshot('logged-in');
    await bob.screenshot('logged-in');
  });
});

test('the journal of a fresh user is empty and the dial button needs a number', async () => {
  const { stack, alice } = e2e;
  await stack.step('empty journal', async () => {
    const s = await alice.state();
    assert.deepEqual(s.journal, []);
    assert.equal(await alice.testid('journal-empty').isVisible(), true);
    assert.equal(await alice.testid('calls-empty').isVisible(), true);
    assert.equal(await alice.testid('dial-call').isDisabled(), true);
    await alice.testid('dialpad-1').click();
    await alice.testid('dialpad-0').click();
    await alice.testid('dialpad-1').click();
    assert.equal(await alice.testid('dial-number').inputValue(), '101');
    assert.equal(await alice.testid('dial-call').isDisabled(), false);
    await alice.testid('dial-backspace').click();
    assert.equal(await alice.testid('dial-number').inputValue(), '10');
    assert.deepEqual(await stack.journal(), []);
  });
});

test('the audio card lists the microphones and speakers and switches them', async () => {
  const { stack, alice } = e2e;
  await stack.step('device lists', async () => {
    const mic = alice.testid('device-mic');
    await check(async () => (await mic.locator('option').count()) > 1, 10_000, { name: 'microphones listed (after the permission)' });
    const labels = await mic.locator('option').allTextContents();
    assert.equal(labels[0], 'System default');
    assert.ok(labels.slice(1).every((l) => l.length > 0 && !/^Microphone \d+$/.test(l)), `device names shown: ${labels.join(' | ')}`);
    const value = await mic.locator('option').nth(1).getAttribute('value');
    await mic.selectOption(value!);
    assert.equal(await alice.page.evaluate(() => localStorage.getItem('ucs.microphone')), value);
    await mic.selectOption('');
    const speakers = await alice.testid('device-speaker').locator('option').allTextContents();
    assert.ok(speakers.length >= 1, `speakers: ${speakers.join(' | ')}`);
  });
});

test('every control of the page has an accessible name', async () => {
  const { stack, alice } = e2e;
  await stack.step('aria labels', async () => {
    const unnamed = await alice.page.evaluate(() => {
      const controls = Array.from(document.querySelectorAll<HTMLElement>('button, input, select')).filter((el) => el.offsetParent !== null);
      return controls.filter((el) => {
        const label = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) || el.textContent;
        return !label?.trim();
      }).map((el) => el.outerHTML.slice(0, 120));
    });
    assert.deepEqual(unnamed, []);
  });
});

test('on a narrow screen the page is one column without horizontal scrolling', async () => {
  const { stack, alice } = e2e;
  await stack.step('narrow viewport', async () => {
    await alice.page.setViewportSize({ width: 400, height: 900 });
    try {
      await alice.screenshot('narrow');
      const { overflow, wide } = await alice.page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        wide: Array.from(document.querySelectorAll<HTMLElement>('body *'))
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}`)
          .slice(0, 8),
      }));
      assert.ok(overflow <= 0, `page wider than the viewport by ${overflow} px: ${wide.join(', ')}`);
      const [dial, calls] = await Promise.all([alice.testid('dial-call').boundingBox(), alice.testid('call-list').boundingBox()]);
      assert.ok(dial && calls && calls.y < dial.y, 'calls above the dialer, so an incoming call is on screen');
    } finally {
      await alice.page.setViewportSize({ width: 1280, height: 880 });
    }
  });
});

test('log out returns to the sign-in form and the session ends at the server', async () => {
  const { stack, bob } = e2e;
  await stack.step('logout', async () => {
    await bob.testid('logout').click();
    await bob.testid('login-form').waitFor({ state: 'visible' });
    assert.equal((await bob.state()).connection, 'logged-out');
    await bob.login();
    await bob.waitState((s) => s.connection === 'connected' && s.lines.length === 1, 'logged in again');
  });
});

test('an admin\'s password change ends the session; the softphone, whose token died with it, signs out and says why', async () => {
  const { stack, bob } = e2e;
  await stack.step('bob is signed in, holding a token (no password) for reconnects', async () => {
    const s = await bob.waitState((x) => x.connection === 'connected', 'bob connected');
    assert.equal(s.signInWith, 'token');
  });
  await stack.step('an admin sets bob\'s password: his session closes, the token is refused, the sign-in form says so', async () => {
    await stack.admin('PATCH', `/api/v1/users/${bob.user.login}`, { password: 'bob-new-pw' });
    await bob.testid('login-form').waitFor({ state: 'visible', timeout: 15_000 });
    const error = bob.testid('login-error');
    await error.waitFor({ state: 'visible' });
    assert.match((await error.textContent()) ?? '', /^Signed out: .+\. Sign in again\.$/);
    assert.equal((await bob.state()).connection, 'logged-out');
    await bob.screenshot('signed-out-password-changed');
  });
  await stack.step('the new password signs him in again', async () => {
    await bob.login('bob-new-pw');
    await bob.waitState((s) => s.connection === 'connected' && s.lines.length === 1, 'signed in with the new password');
    await stack.admin('PATCH', `/api/v1/users/${bob.user.login}`, { password: bob.user.password });
  });
});
