// Video calls through the PBX (Kamailio + rtpengine): both web softphones offer audio + video with the
// camera on (Chromium's fake camera draws a moving pattern); the media node writes a video m-line toward
// the PBX on a video PlainTransport of its own, rtpengine relays it, and the callee's node takes it.
// Both sides decode frames continuously at the size sent, tones both ways at the same time; hold stops
// the picture and retrieve brings it back with a key frame within a second (the PLI crosses the PBX);
// the journal notes the video. A desk phone without video (baresip) gets an audio-only call.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Baresip, check, dominantFrequency, linePassword, readWav, trimSilence, writeToneWav } from '@ucserver/testkit';
import { cleanup, establish, hangUp, tonesBothWays } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { metricSum } from './support/prometheus.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { cameraAtStart, framesGrow, framesIn, seeEachOther, videoStats } from './support/video.ts';

await enterNetworkNamespace();

const PHONE_HZ = 1000;
let phone: Baresip | undefined;
const e2e = stackWithUsers({
  scenario: '16-video-via-pbx',
  pbxMode: 'media-via-pbx',
  setUp: async (stack) => {
    const wav = writeToneWav(join(stack.artifacts, 'desk-phone-tone.wav'), { frequency: PHONE_HZ, seconds: 2 });
    const started = await Baresip.start({ user: '200', password: linePassword('200'), registrar: stack.kamailio!, playWav: wav, recordWav: true, answerMode: 'auto', audioSeconds: 90 });
    phone = started;
    stack.onStop(() => started.dispose());
  },
});

test('video through the PBX: both decode frames at the size sent, tones both ways, hold/retrieve with a key frame, journal notes video', async () => {
  const { stack, alice, bob } = e2e;
  const since = new Date().toISOString();
  try {
    await cameraAtStart(alice, true);
    await cameraAtStart(bob, true);
    await establish(stack, alice, bob);
    await seeEachOther(stack, alice, bob, 'pbx', 'both see each other through the PBX: frames decoded grow, frame size as sent');
    await tonesBothWays(stack, alice, bob, 'tones both ways while video flows');
    await stack.step('video keeps flowing (frames decoded grow on both sides)', async () => {
      await Promise.all([framesGrow(alice, 20, 5_000), framesGrow(bob, 20, 5_000)]);
    });
    await stack.step('media metrics: two camera streams in, two video streams out, every received stream at more than 5 frames/s', async () => {
      const m = await check(async () => {
        const x = await stack.media[0]!.metrics();
        return metricSum(x, 'ucserver_media_video_streams', { direction: 'in' }) >= 2 && metricSum(x, 'ucserver_media_video_streams', { direction: 'out' }) >= 2
          && metricSum(x, 'ucserver_media_video_frames_per_second', { stat: 'min' }) > 5 ? x : undefined;
      }, 8000, { name: 'video streams and their frame rate in the media metrics', intervalMs: 250 });
      stack.log(`video packets in ${metricSum(m, 'ucserver_media_video_packets_total', { direction: 'in' })}, out ${metricSum(m, 'ucserver_media_video_packets_total', { direction: 'out' })}; frames/s received: mean ${metricSum(m, 'ucserver_media_video_frames_per_second', { stat: 'mean' })}, min ${metricSum(m, 'ucserver_media_video_frames_per_second', { stat: 'min' })}`);
    });
    await alice.page.waitForTimeout(300); // the <video> paints the next frame before the screenshot
    await alice.screenshot('video-pbx-connected');
    await bob.screenshot('video-pbx-connected');

    await stack.step('hold stops the picture; retrieve brings it back with a key frame within 1 s (PLI across the PBX)', async () => {
      await alice.click('call-hold');
      await bob.waitCall((c) => c.state === 'held', 'held by the other party', 10_000);
      const held = await framesIn(bob, 1500);
      assert.ok(held <= 2, `B decodes nothing on hold (${held} frames in 1.5 s)`);
      const keyFramesBefore = (await videoStats(bob))?.keyFramesDecoded ?? 0;
      await alice.click('call-retrieve');
      await bob.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
      const resumed = await framesGrow(bob, 5, 5_000);
      stack.log(`B decodes again ${resumed.ms} ms after the retrieve was signalled; key frames ${keyFramesBefore} → ${resumed.stats.keyFramesDecoded}`);
      assert.ok(resumed.stats.keyFramesDecoded > keyFramesBefore, 'a key frame restarted the picture');
      assert.ok(resumed.ms < 1000, `the picture is back within 1 s (${resumed.ms} ms)`);
      await framesGrow(alice, 5, 5_000);
    });
    await tonesBothWays(stack, alice, bob, 'tones both ways after the retrieve');
    await hangUp(stack, alice, bob, 'normal');
    await stack.step('journal: both rows via the PBX, with video', async () => {
      for (const line of ['100', '101']) {
        // The call's end (pbx-adapter) and the media node's close (which carries the video flag) reach the journal
        // on two streams, in either order: wait for the row to note video, not only for its end.
        const row = await check(async () => (await stack.journal(line)).find((r) => r.startedAt >= since && r.endedAt && r.video), 10_000, { name: `journal row on ${line} noting video` });
        assert.equal(row.mediaPath, 'pbx');
        assert.equal(row.video, true, `the row on ${line} notes video`);
      }
      // The ENetUC journal entry says so (optional key Video), and the page shows it.
      await alice.waitState((st) => st.journal.some((j) => j.number === '101' && j.ended && j.video), 'A\'s journal shows the video call', 10_000);
      const media = await alice.page.locator('[data-testid="journal-row"][data-video="true"] [data-testid="journal-media"]').first().textContent();
      assert.equal(media, 'Via PBX · video');
      await alice.screenshot('video-pbx-journal');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('a desk phone without video (baresip, audio only): A calls with the camera on, gets an audio call with tones both ways', async () => {
  const { stack, alice } = e2e;
  const since = new Date().toISOString();
  try {
    await cameraAtStart(alice, true);
    await stack.step('A dials 200, the phone answers (audio only)', async () => {
      await alice.dial('200');
      await phone!.waitFor('CALL_ESTABLISHED', { timeoutMs: 15_000, filter: (e) => e.direction === 'incoming' });
      await alice.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected', 15_000);
    });
    await stack.step('A hears the desk phone; no picture arrives', async () => {
      await alice.waitHears(PHONE_HZ, 440, 15_000);
      const frames = (await videoStats(alice))?.framesDecoded ?? 0;
      assert.equal(frames, 0, 'A decodes no video from a phone without video');
      await alice.screenshot('video-pbx-desk-phone-audio-only');
    });
    await stack.step('A hangs up; the desk phone heard A\'s tone', async () => {
      await new Promise((r) => setTimeout(r, 2500)); // recording window
      await alice.click('call-hangup');
      await phone!.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
      await alice.waitCall((x) => x.state === 'destroyed', 'ended', 10_000);
      const heard = await check(() => {
        const rec = phone!.recordings().at(-1);
        if (!rec) return undefined;
        const { samples: all, sampleRate } = readWav(rec.received);
        const samples = trimSilence(all);
        return samples.length < 8000 ? undefined : dominantFrequency(samples.subarray(Math.floor(samples.length / 4)), [440, PHONE_HZ], sampleRate);
      }, 10_000, { name: 'baresip recorded the call audio' });
      assert.equal(heard.frequency, 440, `the desk phone heard A's 440 Hz (share ${heard.power.toFixed(2)})`);
    });
    await stack.step('journal: the call to 200 via the PBX, without video', async () => {
      const row = await check(async () => (await stack.journal('100')).find((r) => r.startedAt >= since && r.remoteNumber === '200' && r.endedAt), 10_000, { name: 'journal row of the call to 200' });
      assert.equal(row.mediaPath, 'pbx');
      assert.equal(row.video, false);
      const s = await alice.waitState((st) => st.journal.some((j) => j.number === '200' && j.ended), 'A\'s journal shows the call to 200', 10_000);
      assert.equal(s.journal.find((j) => j.number === '200' && j.ended)?.video, false, 'no video in the ENetUC entry');
    });
  } finally {
    await phone?.hangup().catch(() => undefined);
    await cleanup(stack, alice);
  }
});
