import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumArgs, chromiumPath } from '@ucserver/testkit';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { assertIsolated } from './netns.ts';

/**
 * An operator with the admin console (/admin/) in headless Chromium inside the test's network
 * namespace: driven through the page's controls (data-testid). Console output and failed requests go
 * to <artifacts>/<name>-console.log; screenshots to <artifacts>/<nn>-<name>-<label>.png.
 */
export class AdminBrowser {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly #artifacts: string;
  #shots = 0;

  private constructor(name: string, artifacts: string, context: BrowserContext, page: Page) {
    this.name = name;
    this.#artifacts = artifacts;
    this.context = context;
    this.page = page;
  }

  static async launch(options: { name: string; baseUrl: string; artifacts: string; tmp: string }): Promise<AdminBrowser> {
    assertIsolated();
    const profile = join(options.tmp, `chromium-${options.name}`);
    mkdirSync(profile, { recursive: true });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
      args: [...chromiumArgs],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const log = join(options.artifacts, `${options.name}-console.log`);
    const write = (line: string): void => appendFileSync(log, `${new Date().toISOString()} ${line}\n`);
    page.on('console', (m) => write(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => write(`[pageerror] ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => write(`[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`${options.baseUrl}/admin`);
    return new AdminBrowser(options.name, options.artifacts, context, page);
  }

  testid(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async login(login: string, password: string): Promise<void> {
    await this.testid('login-user').fill(login);
    await this.testid('login-password').fill(password);
    await this.testid('login-submit').click();
  }

  /** Opens a page of the console by its navigation link and waits until it rendered. */
  async open(page: 'users' | 'lines' | 'pickup' | 'calls' | 'captures' | 'nodes' | 'journal' | 'system'): Promise<void> {
    await this.testid(`nav-${page}`).click();
    await this.page.locator(`main[data-page="${page}"][data-ready="true"]`).waitFor({ timeout: 10_000 });
  }

  /** A full-page PNG into the scenario's artifacts. */
  async screenshot(label: string): Promise<string> {
    this.#shots += 1;
    const file = join(this.#artifacts, `${String(this.#shots).padStart(2, '0')}-${this.name}-${label.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
