// Interop check with a real Chromium (inside a network namespace; no NATS needed, the MediaNode is
// driven directly):
//   unshare -n sh -c 'ip link set lo up && node --conditions=ucs-source services/media/test/tools/chromiumInterop.ts'
// For an outgoing call (Chromium offers) and an incoming one (the node offers): Chromium must hear the
// PBX, keep hearing it after the source behind its Consumer changes (the PBX changes SSRC → new
// Producer → new Consumer → new SSRC toward Chromium, announced by no SDP), and be heard by the PBX.
import { createLogger } from '@ucserver/shared';
import type { Page } from 'playwright-core';
import { MediaNode } from '../../src/node/MediaNode.ts';
import { WorkerPool } from '../../src/workers/WorkerPool.ts';
import { FakePbx } from '../support/FakePbx.ts';
import { launchChromium, servePage } from './chromium.ts';

const logger = createLogger({ service: 'interop', level: process.env.LOG_LEVEL ?? 'warn' });
const pool = new WorkerPool({ size: 1, logLevel: 'warn', listenIp: '127.0.0.1', announcedAddress: undefined, webRtcPort: 0, rtcMinPort: 20000, rtcMaxPort: 20999, logger });
await pool.start();
const node = new MediaNode({ nodeId: 'interop', pool, logger, addresses: ['127.0.0.1'] });
const site = await servePage();
const browser = await launchChromium();
let failed = false;
const check = (ok: boolean, what: string): void => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

type Win = { pc: RTCPeerConnection };
const setup = `
  window.makePc = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    window.pc = pc;
    window.mic = stream.getAudioTracks()[0];
    pc.addEventListener('track', (e) => {
      const audio = new Audio();
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      audio.play().catch(() => undefined);
    });
    return pc;
  };`;

/** Chromium's inbound-rtp entry (it replaces the entry when the SSRC it receives changes). */
async function inbound(page: Page): Promise<{ packets: number; energy: number; ssrc: number }> {
  return page.evaluate(async () => {
    const stats = await (window as unknown as Win).pc.getStats();
    const out = { packets: 0, energy: 0, ssrc: 0 };
    stats.forEach((s: { type: string; packetsReceived?: number; ssrc?: number; totalAudioEnergy?: number }) => {
      if (s.type === 'inbound-rtp') Object.assign(out, { packets: s.packetsReceived ?? 0, energy: s.totalAudioEnergy ?? 0, ssrc: s.ssrc ?? 0 });
    });
    return out;
  });
}

async function connected(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = (window as unknown as Win).pc;
    for (let i = 0; i < 100 && pc.connectionState !== 'connected' && pc.connectionState !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    return pc.connectionState;
  });
}

/** PBX → Chromium audio before and after the PBX's SSRC changes; Chromium → PBX audio. */
async function exercise(label: string, callId: string, page: Page, pbx: FakePbx, codec: { pt: number; name: string; rate: number }): Promise<void> {
  check((await connected(page)) === 'connected', `${label}: Chromium connected`);
  const loud = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) loud[i] = i % 2 === 0 ? 0x00 : 0x80;
  const send = async (ssrc: number, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      pbx.send(codec.pt, ssrc, loud);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await send(0x1111, 75);
  const first = await inbound(page);
  check(first.packets > 40 && (codec.name === 'opus' || first.energy > 0), `${label}: Chromium hears the PBX (${first.packets} packets, energy ${first.energy.toFixed(3)}, ssrc ${first.ssrc})`);
  await node.pbxOffer(callId, pbx.sdp({ codecs: [codec], version: 9 }));
  await send(0x2222, 75);
  const second = await inbound(page);
  check(second.ssrc !== first.ssrc && second.packets > 40 && (codec.name === 'opus' || second.energy > 0),
    `${label}: Chromium follows the new SSRC with no renegotiation (ssrc ${first.ssrc} → ${second.ssrc}, ${second.packets} packets, energy ${second.energy.toFixed(3)})`);
  const heard = pbx.received.length;
  check(heard > 20 && pbx.received.every((p) => p.payloadType === codec.pt), `${label}: the PBX hears Chromium (${heard} packets, payload type ${pbx.received[0]?.payloadType})`);
  await node.close(callId);
}

try {
  // 1. Outgoing: Chromium's offer; the PBX answers PCMA.
  {
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.addScriptTag({ content: setup });
    const offer = await page.evaluate(async () => {
      const pc = await (window as unknown as { makePc(): Promise<RTCPeerConnection> }).makePc();
      pc.addTrack((window as unknown as { mic: MediaStreamTrack }).mic);
      await pc.setLocalDescription(await pc.createOffer());
      return pc.localDescription!.sdp;
    });
    const pbx = await FakePbx.create();
    await node.softphoneOffer('out', offer);
    pbx.useRemoteSdp((await node.pbxCreateOffer('out', 'off')).sdp);
    const codec = { pt: 8, name: 'PCMA', rate: 8000 };
    await node.pbxApplyAnswer('out', pbx.sdp({ codecs: [codec] }));
    const { sdp } = await node.softphoneAnswer('out');
    check(!/a=ssrc/.test(sdp) && !/sdes:mid/.test(sdp), 'outgoing: answer without a=ssrc and without MID (Chromium numbers MID differently)');
    await page.evaluate(async (answer) => (window as unknown as Win).pc.setRemoteDescription({ type: 'answer', sdp: answer }), sdp);
    await exercise('outgoing', 'out', page, pbx, codec);
    pbx.close();
    await page.close();
  }
  // 2. Incoming: the PBX offers opus; the node offers to Chromium.
  {
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.addScriptTag({ content: setup });
    const pbx = await FakePbx.create();
    const codec = { pt: 96, name: 'opus', rate: 48000 };
    const reply = await node.pbxOffer('in', pbx.sdp({ codecs: [{ ...codec, channels: 2 } as typeof codec] }));
    pbx.useRemoteSdp(reply.sdp);
    const { sdp: offer } = await node.softphoneCreateOffer('in');
    const answer = await page.evaluate(async (o) => {
      const pc = await (window as unknown as { makePc(): Promise<RTCPeerConnection> }).makePc();
      await pc.setRemoteDescription({ type: 'offer', sdp: o });
      const [t] = pc.getTransceivers();
      await t!.sender.replaceTrack((window as unknown as { mic: MediaStreamTrack }).mic);
      t!.direction = 'sendrecv';
      await pc.setLocalDescription(await pc.createAnswer());
      return pc.localDescription!.sdp;
    }, offer);
    check(/a=rtpmap:96 opus\/48000\/2/.test(offer) && /a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid/.test(offer), 'incoming: offer numbered like the PBX, MID at the router\'s id');
    await node.softphoneApplyAnswer('in', answer);
    await exercise('incoming', 'in', page, pbx, codec);
    pbx.close();
    await page.close();
  }
} finally {
  await browser.close();
  await site.close();
  pool.close();
}
process.exit(failed ? 1 : 0);
