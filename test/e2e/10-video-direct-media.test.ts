// Video calls in Direct Media: both web softphones offer audio + video with the camera on (Chromium's
// fake camera draws a moving pattern); the media node takes the video m-lines and links the cameras
// inside the node like the microphones. Both sides decode frames continuously at the size sent, tones
// both ways at the same time; the camera toggles mid-call; hold stops the picture and retrieve brings it
// back with a key frame within a second.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { cleanup, establish, hangUp, tonesBothWays } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { metricSum } from './support/prometheus.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { cameraAtStart, framesGrow, seeEachOther, videoStats } from './support/video.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '10-video-direct-media', pbxMode: 'direct-media' });

test('video in Direct Media: both decode frames at the size sent, tones both ways, camera toggle, hold/retrieve with a key frame', async () => {
  const { stack, alice, bob } = e2e;
  const since = new Date().toISOString();
  try {
    await cameraAtStart(alice, true);
    await cameraAtStart(bob, true);
    await stack.step('A picks its camera in the device list (Chromium\'s fake camera)', async () => {
      await alice.page.evaluate(async () => (await navigator.mediaDevices.getUserMedia({ video: true })).getTracks().forEach((t) => t.stop()));
      const select = alice.testid('device-camera');
      await alice.page.evaluate(() => navigator.mediaDevices.dispatchEvent(new Event('devicechange')));
      const values = await check(async () => {
        const v = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
        return v.length > 0 ? v : undefined;
      }, 10_000, { name: 'cameras listed', intervalMs: 200 });
      await select.selectOption(values[0]!);
      assert.equal(await alice.page.evaluate(() => localStorage.getItem('ucs.camera')), values[0], 'the choice is kept');
    });
    await establish(stack, alice, bob);
    await seeEachOther(stack, alice, bob, 'direct');
    await tonesBothWays(stack, alice, bob, 'tones both ways while video flows');
    await stack.step('video keeps flowing (frames decoded grow over 2 s on both sides)', async () => {
      await Promise.all([framesGrow(alice, 20, 5_000), framesGrow(bob, 20, 5_000)]);
    });
    let keyFrameRequests = 0;
    await stack.step('media metrics: two camera streams in, two video streams out, packets and bitrate', async () => {
      const media = stack.media[0]!;
      const m = await check(async () => {
        const x = await media.metrics();
        return metricSum(x, 'ucserver_media_video_streams', { direction: 'in' }) === 2 && metricSum(x, 'ucserver_media_video_streams', { direction: 'out' }) === 2 ? x : undefined;
      }, 5000, { name: 'two video streams each way in the media metrics', intervalMs: 250 });
      const figures = ['in', 'out'].map((direction) => ({
        direction,
        packets: metricSum(m, 'ucserver_media_video_packets_total', { direction }),
        bitrate: metricSum(m, 'ucserver_media_video_bitrate_bps', { direction }),
        keyFrameRequests: metricSum(m, 'ucserver_media_video_keyframe_requests_total', { direction }),
      }));
      stack.log(`video metrics: ${JSON.stringify(figures)}`);
      for (const f of figures) assert.ok(f.packets > 100 && f.bitrate > 50_000, `video ${f.direction}: packets and bitrate move (${JSON.stringify(f)})`);
      keyFrameRequests = figures[0]!.keyFrameRequests;
    });
    await alice.page.waitForTimeout(300); // the <video> paints the next frame before the screenshot
    await alice.screenshot('video-direct-connected');
    await bob.screenshot('video-direct-connected');

    await stack.step('A switches the camera off: B stops decoding; on again: B sees A again', async () => {
      await alice.callRow().getByTestId('call-camera').click();
      await alice.waitState(() => true, 'camera off', 1000);
      await bob.page.waitForTimeout(1000); // frames in flight drain
      const before = (await videoStats(bob))?.framesDecoded ?? 0;
      await bob.page.waitForTimeout(1500); // a window in which no frame may arrive
      const after = (await videoStats(bob))?.framesDecoded ?? 0;
      assert.ok(after - before <= 2, `B decodes (almost) nothing while A's camera is off (${after - before} frames in 1.5 s)`);
      await alice.callRow().getByTestId('call-camera').click();
      const again = await framesGrow(bob, 10, 5_000);
      stack.log(`B sees A again after ${again.ms} ms`);
    });

    await stack.step('A restarts ICE (network change): A keeps decoding, restarted by a key frame', async () => {
      const before = (await videoStats(alice))?.keyFramesDecoded ?? 0;
      const { before: ufrag, after } = await alice.restartIce();
      assert.notEqual(after, ufrag, 'new ICE credentials from the node');
      const again = await check(async () => {
        const v = await videoStats(alice);
        return v && v.keyFramesDecoded > before ? v : undefined;
      }, 3000, { name: 'A decodes a key frame after the ICE restart', intervalMs: 100 });
      await framesGrow(alice, 10, 3000);
      stack.log(`after the ICE restart A decoded key frames ${before} → ${again.keyFramesDecoded}`);
    });
    await stack.step('hold stops the picture; retrieve brings it back with a key frame within 1 s', async () => {
      await alice.click('call-hold');
      await bob.waitCall((c) => c.state === 'held', 'held by the other party', 10_000);
      await bob.page.waitForTimeout(1000);
      const held = (await videoStats(bob))?.framesDecoded ?? 0;
      await bob.page.waitForTimeout(1500);
      const stillHeld = (await videoStats(bob))?.framesDecoded ?? 0;
      assert.ok(stillHeld - held <= 2, `B decodes nothing on hold (${stillHeld - held} frames in 1.5 s)`);
      const keyFramesBefore = (await videoStats(bob))?.keyFramesDecoded ?? 0;
      await alice.click('call-retrieve');
      await bob.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
      const resumed = await framesGrow(bob, 5, 5_000);
      stack.log(`B decodes again ${resumed.ms} ms after the retrieve was signalled; key frames ${keyFramesBefore} → ${resumed.stats.keyFramesDecoded}`);
      assert.ok(resumed.stats.keyFramesDecoded > keyFramesBefore, 'a key frame restarted the picture');
      assert.ok(resumed.ms < 1000, `the picture is back within 1 s (${resumed.ms} ms)`);
      const requested = await check(async () => {
        const n = metricSum(await stack.media[0]!.metrics(), 'ucserver_media_video_keyframe_requests_total', { direction: 'in' });
        return n > keyFrameRequests ? n : undefined;
      }, 5000, { name: 'the node asked a camera for a key frame (metrics)', intervalMs: 250 });
      stack.log(`key frame requests to the cameras: ${keyFrameRequests} → ${requested}`);
    });
    await stack.step('A downgrades to audio by re-offer (video m-line at port 0): the re-INVITE with m=video 0 re-offers B at port 0, the node drops both cameras, audio goes on', async () => {
      await alice.page.evaluate(() => (window as unknown as { ucsTest: { dropVideo(): Promise<void> } }).ucsTest.dropVideo());
      await bob.page.waitForTimeout(1000); // frames in flight drain
      const before = (await videoStats(bob))?.framesDecoded ?? 0;
      await bob.page.waitForTimeout(1500); // a window in which no frame may arrive
      const after = (await videoStats(bob))?.framesDecoded ?? 0;
      assert.ok(after - before <= 2, `B decodes nothing after the downgrade (${after - before} frames in 1.5 s)`);
      // The downgrade reaches B (its softphone re-offered at port 0): no camera stream is left. check() waits for a truthy value.
      await check(async () => (metricSum(await stack.media[0]!.metrics(), 'ucserver_media_video_streams', { direction: 'in' }) === 0 ? true : undefined), 5000, { name: 'both camera streams gone at the node (metrics)', intervalMs: 250 });
      await bob.callRow().getByTestId('call-video-start').waitFor({ timeout: 10_000 });
      assert.equal((await alice.lastCall())?.state, 'connected');
    });
    await tonesBothWays(stack, alice, bob, 'audio goes on after the downgrade');
    await hangUp(stack, alice, bob, 'normal');
    await stack.step('journal: both rows in Direct Media, with video (it carried video before the downgrade)', async () => {
      for (const line of ['100', '101']) {
        const row = await check(async () => (await stack.journal(line)).find((r) => r.startedAt >= since && r.endedAt && r.video), 10_000, { name: `journal row on ${line} with video` });
        assert.equal(row.mediaPath, 'direct');
      }
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});
