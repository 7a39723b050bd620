// One-off capture of a real Chromium offer with audio, video (fake camera) and a data channel, as a new
// softphone with a camera sends it, into test/fixtures/sdp/chromium-av-data-offer.sdp.
//   unshare -n sh -c 'ip link set lo up && node --conditions=ucs-source services/media/test/tools/captureChromiumAvOffer.ts'
import { writeFileSync } from 'node:fs';
import { launchChromium, servePage } from './chromium.ts';

const site = await servePage();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(site.url);
  const sdp = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.createDataChannel('chat');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription!.sdp;
  });
  writeFileSync(new URL('../fixtures/sdp/chromium-av-data-offer.sdp', import.meta.url), sdp);
  console.log(sdp);
} finally {
  await browser.close();
  await site.close();
}
