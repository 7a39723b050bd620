// What a web softphone's <video> shows: its inbound video stats, waits on frames decoded, and the
// camera-on-start and video-calls switches, and the "both see each other" step. Shared by the video scenarios (Direct Media, through the PBX).
import assert from 'node:assert/strict';
import { check } from '@ucserver/testkit';
import type { BrowserUser } from './BrowserUser.ts';
import type { E2eStack } from './E2eStack.ts';
import type { VideoStats } from '../../../services/cti-gateway/web/src/CallPeerTypes.ts';

export function videoStats(user: BrowserUser): Promise<VideoStats | undefined> {
  return user.page.evaluate(() => (window as unknown as { ucsTest: { videoStats(): Promise<unknown> } }).ucsTest.videoStats()) as Promise<VideoStats | undefined>;
}

/** Waits until `user` decodes at least `frames` more frames than now; returns the stats then and the time taken. */
export async function framesGrow(user: BrowserUser, frames: number, timeoutMs: number): Promise<{ stats: VideoStats; ms: number }> {
  const start = Date.now();
  const first = (await videoStats(user))?.framesDecoded ?? 0;
  let last: VideoStats | undefined;
  try {
    const stats = await check(async () => {
      last = await videoStats(user);
      return last && last.framesDecoded >= first + frames ? last : undefined;
    }, timeoutMs, { name: `${user.name} decodes ${frames} more video frames`, intervalMs: 50 });
    return { stats, ms: Date.now() - start };
  } catch (err) {
    throw new Error(`${(err as Error).message}; last video stats: ${JSON.stringify(last)}`, { cause: err });
  }
}

/** Frames `user` decodes in a quiet window of `ms` after letting frames in flight drain. */
export async function framesIn(user: BrowserUser, ms: number): Promise<number> {
  await user.page.waitForTimeout(1000); // frames in flight drain
  const before = (await videoStats(user))?.framesDecoded ?? 0;
  await user.page.waitForTimeout(ms);
  return ((await videoStats(user))?.framesDecoded ?? 0) - before;
}

export async function cameraAtStart(user: BrowserUser, on: boolean): Promise<void> {
  const box = user.testid('camera-on-start');
  if ((await box.isChecked()) !== on) await box.click();
}

/** Whether `user`'s calls offer video (the "Offer video on calls I place" setting; off: audio-only calls). */
export async function videoCalls(user: BrowserUser, on: boolean): Promise<void> {
  const box = user.testid('video-calls');
  if ((await box.isChecked()) !== on) await box.click();
}

/**
 * The step every video scenario repeats: both decode frames (30 more each), each at the width the other
 * sends (a real picture, ≥ 320), and both calls on media path `path`.
 */
export async function seeEachOther(stack: E2eStack, a: BrowserUser, b: BrowserUser, path: 'pbx' | 'direct', label = `both see each other (${path}): frames decoded grow, frame size as sent`): Promise<void> {
  await stack.step(label, async () => {
    const [x, y] = await Promise.all([framesGrow(a, 30, 15_000), framesGrow(b, 30, 15_000)]);
    const [sa, sb] = [await videoStats(a), await videoStats(b)];
    stack.log(`${a.name} sees ${x.stats.frameWidth}x${x.stats.frameHeight} ${x.stats.codec} (${x.stats.framesDecoded} frames), sends ${sa?.sentWidth}; ${b.name} sees ${y.stats.frameWidth}x${y.stats.frameHeight} (${y.stats.framesDecoded} frames), sends ${sb?.sentWidth}`);
    assert.equal(x.stats.frameWidth, sb?.sentWidth, `${a.name} decodes the width ${b.name} sends`);
    assert.equal(y.stats.frameWidth, sa?.sentWidth, `${b.name} decodes the width ${a.name} sends`);
    assert.ok(x.stats.frameWidth >= 320 && y.stats.frameWidth >= 320, 'a real picture');
    await Promise.all([a, b].map((u) => u.waitCall((c) => c.mediaPath === path, `media path ${path}`, 10_000)));
  });
}
