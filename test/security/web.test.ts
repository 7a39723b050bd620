// Issue 11 (trust), the web pages: every HTML page of the gateway (the softphone, the /docs OpenAPI UI,
// the /admin console)
// sends a Content-Security-Policy with frame-ancestors 'none' and the usual hardening headers; both
// pages still work in Chromium under that policy without a single CSP violation; a page of another
// origin cannot frame them (clickjacking).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromiumArgs, chromiumPath } from '@ucserver/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { GatewayUnderTest } from './support/GatewayUnderTest.ts';

await enterNetworkNamespace();

const PAGES = ['/', '/index.html', '/docs', '/docs/', '/admin/'];

let gw: GatewayUnderTest;
let browser: Browser;
before(async () => {
  gw = await GatewayUnderTest.start('web');
  await gw.admin('POST', '/users', { login: 'alice', password: 'alice-Secret-9f3' });
  await gw.admin('POST', '/lines', { number: '100', registrar: '127.0.0.1:5060', owner: 'alice' });
  await gw.admin('POST', '/users', { login: 'root', password: 'root-Secret-9f3', role: 'admin' });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumArgs] });
});
after(async () => {
  await browser?.close();
  await gw?.stop();
});

/** Opens a page that records every CSP violation (event and console) from its first script on. */
async function openRecording(url: string): Promise<{ page: Page; violations: string[] }> {
  const page = await browser.newPage();
  const violations: string[] = [];
  await page.exposeFunction('__cspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  const response = await page.goto(url);
  // the policy is really in force: the document came with it
  assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/, `${url} carries a CSP`);
  return { page, violations };
}

for (const path of PAGES) {
  test(`GET ${path} sends CSP with frame-ancestors 'none', X-Frame-Options, nosniff and no-referrer`, async () => {
    const res = await gw.http(path);
    assert.equal(res.status, 200, `${path}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy'] ?? '');
    assert.match(csp, /(^|;)\s*frame-ancestors 'none'\s*(;|$)/, `CSP: ${csp}`);
    assert.match(csp, /(^|;)\s*default-src 'self'\s*(;|$)/, `CSP: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, 'no unsafe sources');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  });
}

test('the softphone page loads and signs in under its CSP without a violation', async () => {
  const { page, violations } = await openRecording(`${gw.url}/`);
  try {
    await page.getByTestId('login-user').fill('alice');
    await page.getByTestId('login-password').fill('alice-Secret-9f3');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('line-100').waitFor({ state: 'visible', timeout: 15_000 });
    // The lines come with the createsession answer; the event WebSocket opens just after it.
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    assert.deepEqual(violations, []);
  } finally {
    await page.close();
  }
});

test('the admin console signs in and renders every page under its CSP without a violation', async () => {
  const { page, violations } = await openRecording(`${gw.url}/admin`);
  try {
    await page.getByTestId('login-user').fill('root');
    await page.getByTestId('login-password').fill('root-Secret-9f3');
    await page.getByTestId('login-submit').click();
    for (const name of ['users', 'lines', 'calls', 'nodes', 'journal', 'system']) {
      await page.getByTestId(`nav-${name}`).click();
      await page.locator(`main[data-page="${name}"][data-ready="true"]`).waitFor({ timeout: 10_000 });
    }
    await page.getByTestId('nav-lines').click();
    await page.locator('[data-testid="lines-row"][data-number="100"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(violations, []);
  } finally {
    await page.close();
  }
});

test('the /docs OpenAPI UI renders the operations under its CSP without a violation', async () => {
  const { page, violations } = await openRecording(`${gw.url}/docs`);
  try {
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok((await page.locator('.opblock').count()) >= 10, 'the admin API operations are listed');
    assert.deepEqual(violations, []);
  } finally {
    await page.close();
  }
});

test('a page of another origin cannot frame the softphone (frame-ancestors)', async () => {
  // the attacker's page, on another origin (another port)
  const gatewayUrl = gw.url;
  const evil: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>evil</title><iframe id="victim" src="${gatewayUrl}/" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const { port } = evil.address() as AddressInfo;
  const page = await browser.newPage();
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/frame-ancestors|Refused to (display|frame)/i.test(m.text())) refused.push(m.text());
  });
  try {
    const loaded = new Promise<void>((resolve) => page.once('load', () => resolve()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await loaded;
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame, 'the iframe exists');
    // a framed softphone would show its sign-in form; a refused frame shows an error page
    const forms = await frame.locator('[data-testid="login-form"]').count().catch(() => 0);
    assert.equal(forms, 0, 'the softphone did not render inside the frame');
    assert.ok(refused.length > 0, 'Chromium reports the refusal');
  } finally {
    await page.close();
    await new Promise((resolve) => evil.close(resolve));
  }
});
