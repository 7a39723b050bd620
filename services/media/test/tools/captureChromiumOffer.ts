// One-off capture of a real Chromium offer into test/fixtures/sdp/: audio only (chromium-offer.sdp), or with
// `--av` audio, video (fake camera) and a data channel, as a new softphone with a camera sends it
// (chromium-av-data-offer.sdp).
//   unshare -n sh -c 'ip link set lo up && node --conditions=ucs-source services/media/test/tools/captureChromiumOffer.ts [--av]'
import { writeFileSync } from 'node:fs';
import { launchChromium, servePage } from './chromium.ts';

const av = process.argv.includes('--av');
const site = await servePage();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(site.url);
  const sdp = await page.evaluate(async (withVideo) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: withVideo });
    const pc = new RTCPeerConnection(withVideo ? { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' } : {});
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    if (withVideo) pc.createDataChannel('chat');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription!.sdp;
  }, av);
  writeFileSync(new URL(`../fixtures/sdp/${av ? 'chromium-av-data-offer' : 'chromium-offer'}.sdp`, import.meta.url), sdp);
  console.log(sdp);
} finally {
  await browser.close();
  await site.close();
}
