// One-off capture of a real Chromium answer to the media node's own softphone offer:
//   unshare -n sh -c 'ip link set lo up && node --conditions=ucs-source services/media/test/tools/captureChromiumAnswer.ts'
// Writes test/fixtures/sdp/server-offer.sdp (ours) and chromium-answer.sdp (Chromium's).
import { writeFileSync } from 'node:fs';
import * as mediasoup from 'mediasoup';
import { offeredHeaderExtensions, offeredMlineCodec, writeBrowserSdp } from '../../src/sdp/browserSdp.ts';
import { routerMediaCodecs } from '../../src/sdp/codecs.ts';
import { launchChromium, servePage } from './chromium.ts';

const worker = await mediasoup.createWorker({ logLevel: 'warn' });
const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs() });
const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }, { protocol: 'tcp', ip: '127.0.0.1' }] });
const offer = writeBrowserSdp({
  type: 'offer',
  sessionId: '4611731400430051336',
  sessionVersion: 1,
  mid: '0',
  bundle: true,
  iceUfrag: transport.iceParameters.usernameFragment,
  icePwd: transport.iceParameters.password,
  candidates: transport.iceCandidates,
  fingerprint: transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!,
  setup: 'actpass',
  codec: offeredMlineCodec('PCMA', true, new Map([['audio/pcma/8000', 8], ['audio/telephone-event/8000', 101]])),
  headerExtensions: offeredHeaderExtensions(),
  direction: 'sendrecv',
  msid: { streamId: 'ucs-call-1', trackId: 'ucs-audio-1' },
  rtcpRsize: true,
  ptime: 20,
});
const site = await servePage();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(site.url);
  const answer = await page.evaluate(async (sdp) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const [transceiver] = pc.getTransceivers();
    await transceiver!.sender.replaceTrack(stream.getAudioTracks()[0]!);
    transceiver!.direction = 'sendrecv';
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription!.sdp;
  }, offer);
  writeFileSync(new URL('../fixtures/sdp/server-offer.sdp', import.meta.url), offer);
  writeFileSync(new URL('../fixtures/sdp/chromium-answer.sdp', import.meta.url), answer);
  console.log(answer);
} finally {
  await browser.close();
  await site.close();
  worker.close();
}
