import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, chromiumArgs, chromiumPath, writeToneWav } from '@ucserver/testkit';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { CallSnapshot, RtpStats } from '../../../services/cti-gateway/web/src/SoftphoneTypes.ts';
import type { UcsTestHook } from '../../../services/cti-gateway/web/src/testHook.ts';
import type { ToneLevel } from '../../../services/cti-gateway/web/src/ToneMeter.ts';
import { assertIsolated } from './netns.ts';

// What window.ucsTest returns: the page's own types (services/cti-gateway/web/src/testHook.ts).
export type { CallSnapshot, RtpStats, ToneLevel };
/** window.ucsTest.state(). */
export type PageState = ReturnType<UcsTestHook['state']>;

export interface BrowserUserOptions {
  name: string;
  user: { login: string; password: string; line: string };
  /** The microphone plays a sine of this frequency (Chromium's fake capture device). */
  toneHz: number;
  baseUrl: string;
  artifacts: string;
  tmp: string;
  /** More query parameters of the page (e.g. `reattach=off`). */
  query?: string;
}

/**
 * One person with the web softphone: a persistent Chromium context with an empty profile, the fake
 * microphone playing a tone WAV, driven through the page's controls (data-testid) and observed
 * through window.ucsTest. Console output goes to <artifacts>/<name>-console.log.
 */
export class BrowserUser {
  readonly name: string;
  readonly user: BrowserUserOptions['user'];
  readonly toneHz: number;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly #artifacts: string;
  readonly #consoleLog: string;
  #shots = 0;

  private constructor(options: BrowserUserOptions, context: BrowserContext, page: Page) {
    this.name = options.name;
    this.user = options.user;
    this.toneHz = options.toneHz;
    this.context = context;
    this.page = page;
    this.#artifacts = options.artifacts;
    this.#consoleLog = join(options.artifacts, `${options.name}-console.log`);
  }

  static async launch(options: BrowserUserOptions): Promise<BrowserUser> {
    assertIsolated();
    const profile = join(options.tmp, `chromium-${options.name}`);
    mkdirSync(profile, { recursive: true });
    const wav = writeToneWav(join(options.tmp, `tone-${options.name}-${options.toneHz}.wav`), { frequency: options.toneHz, seconds: 5, sampleRate: 48_000, amplitude: 0.5 });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 880 },
      args: [...chromiumArgs, `--use-file-for-fake-audio-capture=${wav}`],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const user = new BrowserUser(options, context, page);
    const log = (line: string): void => appendFileSync(user.#consoleLog, `${new Date().toISOString()} ${line}\n`);
    page.on('console', (m) => log(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log(`[pageerror] ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => log(`[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('websocket', (ws) => {
      log(`[websocket] open ${ws.url()}`);
      ws.on('framesent', (f) => log(`[ws →] ${String(f.payload).slice(0, 2000)}`));
      ws.on('framereceived', (f) => log(`[ws ←] ${String(f.payload).slice(0, 2000)}`));
      ws.on('close', () => log('[websocket] closed'));
    });
    await page.goto(`${options.baseUrl}/?audioProcessing=0${options.query ? `&${options.query}` : ''}`);
    return user;
  }

  consoleTail(lines = 25): string {
    try {
      return readFileSync(this.#consoleLog, 'utf8').split('\n').filter((l) => !l.includes('[ws ')).slice(-lines - 1).join('\n').trim();
    } catch {
      return '';
    }
  }

  testid(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /** Signs in through the form and waits until the page is online with its lines listed. */
  async login(password = this.user.password): Promise<void> {
    await this.testid('login-user').fill(this.user.login);
    await this.testid('login-password').fill(password);
    await this.testid('login-submit').click();
    if (password === this.user.password) {
      await this.waitState((s) => s.connection === 'connected' && s.lines.length > 0, 'logged in with lines listed', 15_000);
    }
  }

  state(): Promise<PageState> {
    return this.page.evaluate(() => (window as unknown as { ucsTest: { state(): unknown } }).ucsTest.state()) as Promise<PageState>;
  }

  lastCall(): Promise<CallSnapshot | undefined> {
    return this.page.evaluate(() => (window as unknown as { ucsTest: { lastCall(): unknown } }).ucsTest.lastCall()) as Promise<CallSnapshot | undefined>;
  }

  /** Polls the page state until `predicate` holds; the error names the wait and the last state. */
  async waitState(predicate: (s: PageState) => boolean, what: string, timeoutMs = 10_000): Promise<PageState> {
    let last: PageState | undefined;
    try {
      return await check(async () => {
        last = await this.state();
        return predicate(last) ? last : undefined;
      }, timeoutMs, { name: `${this.name}: ${what}`, intervalMs: 100 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last page state: ${JSON.stringify(last)}`, { cause: err });
    }
  }

  /** Waits until the newest call satisfies `predicate`. */
  async waitCall(predicate: (c: CallSnapshot) => boolean, what: string, timeoutMs = 10_000): Promise<CallSnapshot> {
    const s = await this.waitState((st) => st.calls[0] !== undefined && predicate(st.calls[0]), what, timeoutMs);
    return s.calls[0]!;
  }

  /** Types the number and presses Call. */
  async dial(number: string): Promise<void> {
    await this.testid('dial-number').fill(number);
    await this.testid('dial-call').click();
  }

  /** The call row (newest first, or the one with this CTI id). */
  callRow(id?: string): Locator {
    return id ? this.page.locator(`[data-testid="call-item"][data-call-id="${id}"]`) : this.page.getByTestId('call-item').first();
  }

  async click(action: 'call-answer' | 'call-reject' | 'call-hangup' | 'call-hold' | 'call-retrieve' | 'call-keypad' | 'call-transfer' | 'call-swap' | 'call-complete' | 'call-consult' | 'call-conference' | 'call-callback' | 'call-callback-cancel', id?: string): Promise<void> {
    await this.callRow(id).getByTestId(action).click();
  }

  /** Opens the call's transfer form, types `number` and presses Transfer now (blind transfer). */
  async transfer(number: string, id?: string): Promise<void> {
    const row = this.callRow(id);
    await row.getByTestId('call-transfer').click();
    await row.getByTestId('call-transfer-number').fill(number);
    await row.getByTestId('call-transfer-go').click();
  }

  async sendDtmf(digits: string, id?: string): Promise<void> {
    const row = this.callRow(id);
    if (!(await row.getByTestId('call-dtmf-1').isVisible())) await row.getByTestId('call-keypad').click();
    for (const d of digits) await row.getByTestId(`call-dtmf-${d === '*' ? 'star' : d === '#' ? 'hash' : d}`).click();
  }

  /** The spectrum of what this user hears in the newest call (or the call `key`). */
  remoteAudioLevel(frequency: number, key?: string): Promise<ToneLevel | undefined> {
    return this.page.evaluate(([f, k]) => {
      const hook = (window as unknown as { ucsTest: { remoteAudioLevel(f: number, k?: string): Promise<unknown>; lastCall(): { key: string } | undefined } }).ucsTest;
      return hook.remoteAudioLevel(f, k ?? hook.lastCall()?.key);
    }, [frequency, key] as const) as Promise<ToneLevel | undefined>;
  }

  /** RTP counters of the newest call's peer connection. */
  /** Restarts ICE on the current call as after a network change; the node's ICE ufrag before and after. */
  restartIce(): Promise<{ before: string | undefined; after: string | undefined }> {
    return this.page.evaluate(() => (window as unknown as { ucsTest: { restartIce(): Promise<{ before: string | undefined; after: string | undefined }> } }).ucsTest.restartIce());
  }

  /** Holds (retrieves) the current call by SDP re-offer (a=sendonly / a=sendrecv); the negotiation's outcome once answered. */
  holdBySdp(hold: boolean): Promise<{ signalingState: string | undefined; currentDirection: string | null | undefined }> {
    return this.page.evaluate((h) => (window as unknown as { ucsTest: { holdBySdp(h: boolean): Promise<{ signalingState: string | undefined; currentDirection: string | null | undefined }> } }).ucsTest.holdBySdp(h), hold);
  }

  /** The best state of the current ICE generation's candidate pairs (see the page's ucsTest.currentGenerationPair). */
  currentGenerationPair(): Promise<string | undefined> {
    return this.page.evaluate(() => (window as unknown as { ucsTest: { currentGenerationPair(): Promise<string | undefined> } }).ucsTest.currentGenerationPair());
  }

  /** Every ICE candidate pair of the current call, one line each (for failure messages). */
  icePairs(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { ucsTest: { icePairs(): Promise<string[]> } }).ucsTest.icePairs());
  }

  rtpStats(): Promise<RtpStats | undefined> {
    return this.page.evaluate(() => {
      const hook = (window as unknown as { ucsTest: { rtpStats(k?: string): Promise<unknown>; lastCall(): { key: string } | undefined } }).ucsTest;
      return hook.rtpStats(hook.lastCall()?.key);
    }) as Promise<RtpStats | undefined>;
  }

  /**
   * Waits until the user hears `frequency` as the dominant tone (share ≥ minShare) and `not` (the own
   * tone) is absent, in the newest call (or the call `key`); returns the levels measured.
   */
  async waitHears(frequency: number, not: number, timeoutMs = 10_000, minShare = 0.6, key?: string): Promise<{ heard: ToneLevel; other: ToneLevel }> {
    let last: { heard: ToneLevel | undefined; other: ToneLevel | undefined } = { heard: undefined, other: undefined };
    try {
      return await check(async () => {
        const heard = await this.remoteAudioLevel(frequency, key);
        const other = await this.remoteAudioLevel(not, key);
        last = { heard, other };
        return heard && other && heard.share >= minShare && other.share < 0.1 && heard.totalDb > -60 ? { heard, other } : undefined;
      }, timeoutMs, { name: `${this.name} hears ${frequency} Hz (share ≥ ${minShare}) and not ${not} Hz`, intervalMs: 200 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last levels: ${JSON.stringify(last)}; rtp: ${JSON.stringify(await this.rtpStats().catch(() => undefined))}`, { cause: err });
    }
  }

  /** Waits until the user hears (nearly) nothing. */
  async waitSilence(timeoutMs = 10_000, maxDb = -60): Promise<ToneLevel | undefined> {
    let last: ToneLevel | undefined;
    try {
      return await check(async () => {
        last = await this.remoteAudioLevel(1000);
        return !last || last.totalDb < maxDb ? last ?? { share: 0, toneDb: -200, totalDb: -200 } : undefined;
      }, timeoutMs, { name: `${this.name} hears silence (< ${maxDb} dBFS)`, intervalMs: 200 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last level: ${JSON.stringify(last)}`, { cause: err });
    }
  }

  /** A full-page PNG into the scenario's artifacts: <nn>-<user>-<label>.png. */
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
