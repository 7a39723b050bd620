// The mid-call video upgrade scenario, run through the PBX (Kamailio + rtpengine) and in Direct Media: A
// calls B audio only, A starts video (a re-offer adding a video m-line → re-INVITE → B's softphone is
// re-offered), both see each other with tones going on, A stops video (m-line at port 0 → re-INVITE with
// m=video 0 → B re-offered at port 0), audio goes on; the journal notes the video.
import assert from 'node:assert/strict';
import { check } from '@ucserver/testkit';
import { cleanup, establish, hangUp, tonesBothWays } from './callFlow.ts';
import { metricSum } from './prometheus.ts';
import type { StackWithUsers } from './stackWithUsers.ts';
import { cameraAtStart, framesIn, seeEachOther, videoCalls, videoStats } from './video.ts';

export async function videoUpgradeScenario(e2e: StackWithUsers, path: 'pbx' | 'direct'): Promise<void> {
  const { stack, alice, bob } = e2e;
  const since = new Date().toISOString();
  const cameraStreams = async (): Promise<number> => metricSum(await stack.media[0]!.metrics(), 'ucserver_media_video_streams', { direction: 'in' });
  try {
    await videoCalls(alice, false);
    await cameraAtStart(alice, true);
    await cameraAtStart(bob, true);
    await establish(stack, alice, bob);
    await stack.step('an audio-only call: no picture either way, no camera stream at the node, Start video offered', async () => {
      const [a, b] = await Promise.all([framesIn(alice, 1000), framesIn(bob, 1000)]);
      assert.equal(a + b, 0, `no video frames decoded (A ${a}, B ${b})`);
      assert.equal((await videoStats(alice))?.framesEncoded ?? 0, 0, 'A sends no video');
      assert.equal(await cameraStreams(), 0, 'no camera stream reaches the node');
      await alice.callRow().getByTestId('call-video-start').waitFor({ timeout: 5000 });
      await bob.callRow().getByTestId('call-video-start').waitFor({ timeout: 5000 });
      await alice.screenshot(`video-upgrade-${path}-audio-only`);
    });
    await stack.step('A starts video: re-offer with a video m-line, the PBX side upgraded, B re-offered and takes video', async () => {
      const started = Date.now();
      await alice.callRow().getByTestId('call-video-start').click();
      await alice.callRow().getByTestId('call-video-stop').waitFor({ timeout: 15_000 });
      await bob.callRow().getByTestId('call-video-stop').waitFor({ timeout: 15_000 });
      stack.log(`both sides carry video ${Date.now() - started} ms after Start video`);
    });
    await seeEachOther(stack, alice, bob, path, `after the upgrade both see each other (${path}): frames decoded grow, frame size as sent`);
    await tonesBothWays(stack, alice, bob, 'tones both ways while video flows');
    await stack.step('two camera streams at the node', async () => {
      await check(async () => ((await cameraStreams()) >= 2 ? true : undefined), 5000, { name: 'two camera streams in the media metrics', intervalMs: 250 });
    });
    await alice.page.waitForTimeout(300); // the <video> paints the next frame before the screenshot
    await alice.screenshot(`video-upgrade-${path}-video`);
    await bob.screenshot(`video-upgrade-${path}-video`);
    await stack.step('A stops video: m=video 0 by re-offer and re-INVITE, B re-offered at port 0; no picture either way', async () => {
      await alice.callRow().getByTestId('call-video-stop').click();
      await alice.callRow().getByTestId('call-video-start').waitFor({ timeout: 15_000 });
      await bob.callRow().getByTestId('call-video-start').waitFor({ timeout: 15_000 });
      const [a, b] = await Promise.all([framesIn(alice, 1500), framesIn(bob, 1500)]);
      assert.ok(a <= 2 && b <= 2, `no picture after the downgrade (A ${a}, B ${b} frames in 1.5 s)`);
      // check() waits for a truthy value: 0 streams is `true` here.
      await check(async () => ((await cameraStreams()) === 0 ? true : undefined), 5000, { name: 'no camera stream at the node after the downgrade', intervalMs: 250 });
      assert.equal((await alice.lastCall())?.state, 'connected');
      await bob.screenshot(`video-upgrade-${path}-downgraded`);
    });
    await tonesBothWays(stack, alice, bob, 'tones both ways after the downgrade');
    await hangUp(stack, alice, bob, 'normal');
    await stack.step(`journal: both rows (${path}) note video`, async () => {
      for (const line of ['100', '101']) {
        const row = await check(async () => (await stack.journal(line)).find((r) => r.startedAt >= since && r.endedAt && r.video), 10_000, { name: `journal row on ${line} noting video` });
        assert.equal(row.mediaPath, path);
      }
    });
  } finally {
    await videoCalls(alice, true).catch(() => undefined);
    await cleanup(stack, alice, bob);
  }
}
