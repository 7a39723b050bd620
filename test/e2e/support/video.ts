// What a web softphone's <video> shows: its inbound video stats, waits on frames decoded, and the
// camera-on-start switch. Shared by the video scenarios (Direct Media, through the PBX).
import { check } from '@ucserver/testkit';
import type { BrowserUser } from './BrowserUser.ts';
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
