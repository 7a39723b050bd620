// ucserver's media node (services/media, its own process, MEDIA_WORKERS=1) driven through the real bus
// commands, the load generator playing the softphones (WebRTC: ICE, DTLS client, SRTP) and the PBX
// (plain RTP). The mediasoup worker is pinned to the relay core, the node's Node.js process to the
// generator's core (its CPU is reported separately).
//
// 'pbx'    call unit i = ONE ucserver call, outgoing, exactly as the pbx-adapter drives one:
//          softphone.offer (A's Chromium-like offer) → pbx.create-offer → pbx.apply-answer (B = the PBX,
//          RTP/AVP PCMU, rtcp-mux) → softphone.answer; A connects. Streams A → softphone leg → PBX leg → B
//          and back: what a ucserver call relays between a softphone and a PBX/rtpengine.
// 'direct' call unit j = TWO ucserver calls X (outgoing, softphone A) and Y (incoming, softphone B) linked by
//          Direct Media as Kamailio without rtpengine makes them: X's PBX offer goes into pbx.offer of Y, Y's
//          answer into pbx.apply-answer of X; both PBX legs point at each other's tuple. Streams
//          A → X's softphone leg → Y's softphone leg → B and back, inside one router (the node places Y on X's
//          router: Y's PBX offer names X's tuple; pipeToRouter only for calls on different routers).
//          With `video`: both softphones also offer/answer a VP8 camera (bundled), and each side sends a ~1 Mbit/s
//          video stream besides its audio: a Direct Media video call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BusClient, MediaCommands, MediaTopics } from '@ucserver/shared';
import { check, freePortRange, ManagedProcess, testLogger } from '@ucserver/testkit';
import type { z } from 'zod';
import { endpointIp, VIDEO_1MBIT, videoSid, type Generator } from './Generator.ts';
import { childrenOf, commandOf, pin } from './proc.ts';
import { forEachLimited, iceCredentials, randomSsrc, sideA, sideB, type RelaySystem } from './RelaySystem.ts';
import { sdpTarget } from './rtpengine.ts';
import { softphoneSdp as softphoneSdpAt } from './softphoneSdp.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A Chromium-like softphone SDP of generator endpoint `ep`. */
const softphoneSdp = ({ ep, ...o }: { ep: number } & Omit<Parameters<typeof softphoneSdpAt>[0], 'address'>): string => softphoneSdpAt({ address: endpointIp(ep), ...o });

/** The PBX's answer to the node's offer: PCMU (and telephone-event when offered), rtcp-mux. */
function pbxAnswerSdp(ep: number, port: number, offer: string, id: number): string {
  const pcmu = /^a=rtpmap:(\d+) PCMU\/8000/m.exec(offer)?.[1] ?? '0';
  const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1];
  const address = endpointIp(ep);
  return ['v=0', `o=pbx ${id} 1 IN IP4 ${address}`, 's=pbx', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} RTP/AVP ${pcmu}${te ? ` ${te}` : ''}`,
    `a=rtpmap:${pcmu} PCMU/8000`, ...(te ? [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`] : []), 'a=ptime:20', 'a=rtcp-mux', 'a=sendrecv', ''].join('\r\n');
}

/** ICE parameters and the UDP candidate of a node's softphone SDP. */
function iceOf(sdp: string): { ip: string; port: number; ufrag: string; pwd: string } {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1];
  const cand = /^a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/m.exec(sdp);
  if (!ufrag || !pwd || !cand) throw new Error(`no ICE parameters / UDP candidate in the node's SDP:\n${sdp}`);
  return { ip: cand[1]!, port: Number(cand[2]), ufrag, pwd };
}

export interface UcserverOptions {
  natsUrl: string;
  maxCalls: number;
  relayCore: number;
  helperCore: number;
  /** Extra environment for the media node (e.g. MEDIA_* tuning knobs). */
  env?: Record<string, string>;
  /** Capture every n-th call (capture.start once its streams run; files in a temporary CAPTURE_DIR). Default none. */
  captureEvery?: number;
  /** Direct Media video calls: a camera on both softphones, ~1 Mbit/s of VP8 each way besides the audio. */
  video?: boolean;
  /**
   * Idle calls via the PBX (bench/media-relay/idle.ts): set up as usual, the PBX side sends a few packets
   * (so the node learns its SSRC and the SSRC watchdog watches the leg), then nothing flows.
   */
  idle?: boolean;
  /**
   * mediasoup workers of the node (MEDIA_WORKERS). Default 1, pinned to the relay core; a second one is
   * pinned to the generator's core (2 cores: the node's scaling, the generator sharing a core with it).
   */
  workers?: number;
}

export async function startUcserver(gen: Generator, path: 'pbx' | 'direct', o: UcserverOptions): Promise<RelaySystem> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const nodeId = `bench-media-${prefix}`;
  // 2 ports per PBX leg (RTP + RTCP: our offers do not multiplex), 2 calls per unit on Direct Media.
  const ports = await freePortRange(Math.max(1000, (path === 'direct' ? 4 : 2) * o.maxCalls + 200), 20000, 60000);
  const dir = mkdtempSync(join(tmpdir(), 'ucs-bench-media-relay-'));
  const proc = ManagedProcess.spawn('media', process.execPath, ['--conditions=ucs-source', '--no-warnings', join(root, 'services/media/src/index.ts')], {
    cwd: dir,
    logFile: join(dir, 'media.log'),
    env: {
      ...process.env, NATS_URL: o.natsUrl, BUS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'warn', MEDIA_NODE_ID: nodeId, MEDIA_WORKERS: String(o.workers ?? 1),
      MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_WEBRTC_PORT: '0', MEDIA_RTC_MIN_PORT: String(ports.min), MEDIA_RTC_MAX_PORT: String(ports.max), MEDIA_DRAIN_TIMEOUT_MS: '0',
      CAPTURE_DIR: join(dir, 'captures'), CAPTURE_MAX_CONCURRENT: '1000', CAPTURE_MAX_BYTES: String(1 << 30),
      ...o.env,
    },
  });
  const bus = await BusClient.connect({ servers: o.natsUrl, prefix, name: 'bench-media-relay', logger: testLogger('bench'), requestTimeoutMs: 30_000 });
  let beat = false;
  const sub = bus.subscribe(MediaTopics.heartbeat, (hb) => {
    if (hb.nodeId === nodeId && hb.workersAlive > 0) beat = true;
  });
  try {
    await check(() => {
      proc.assertRunning();
      return beat;
    }, 60_000, { name: 'the media node heartbeat', intervalMs: 100 });
  } finally {
    sub.unsubscribe();
  }
  const nodePid = proc.pid!;
  const workers = o.workers ?? 1;
  const workerPids = await check(() => {
    const found = childrenOf(nodePid).filter((c) => commandOf(c).includes('mediasoup-worker'));
    return found.length >= workers ? found.slice(0, workers) : undefined;
  }, 10_000, { name: `the ${workers} mediasoup worker process(es)` });
  const workerPid = workerPids[0]!;
  workerPids.forEach((pid, i) => pin(pid, i === 0 ? o.relayCore : o.helperCore));
  pin(nodePid, o.helperCore);

  const node = bus.media(nodeId);
  const callIds = new Map<number, string[]>();

  const viaPbx = async (i: number): Promise<void> => {
    const a = sideA(i);
    const b = sideB(i);
    const callId = `bench-${i}`;
    const ice = iceCredentials();
    const ssrcA = randomSsrc();
    callIds.set(i, [callId]);
    await node.request(MediaCommands.softphoneOffer, { callId, sdp: softphoneSdp({ ep: a, port: gen.port, ice, fingerprint: gen.fingerprint, ssrc: ssrcA }) });
    const offer = await node.request(MediaCommands.pbxCreateOffer, { callId, srtp: 'optional' });
    const toPbxLeg = sdpTarget(offer.sdp);
    await node.request(MediaCommands.pbxApplyAnswer, { callId, sdp: pbxAnswerSdp(b, gen.port, offer.sdp, i) });
    const answer = await node.request(MediaCommands.softphoneAnswer, { callId });
    if (o.idle) {
      // Only the PBX side, and only until the node has its SSRC: the softphone never connects.
      await gen.stream(2 * i + 1, b, toPbxLeg, randomSsrc(), 0, a);
      return;
    }
    const server = iceOf(answer.sdp);
    await gen.connectWebRtc(a, server, ice.ufrag);
    await gen.stream(2 * i, a, server, ssrcA, 0, b);
    // The PBX's SSRC is not in its SDP: the node learns it from the first packet.
    await gen.stream(2 * i + 1, b, toPbxLeg, randomSsrc(), 0, a);
    if (o.captureEvery && i % o.captureEvery === 0) await node.request(MediaCommands.captureStart, { callId, startedBy: 'bench' });
  };

  const direct = async (j: number): Promise<void> => {
    const a = sideA(j);
    const b = sideB(j);
    const x = `bench-x${j}`;
    const y = `bench-y${j}`;
    const iceA = iceCredentials();
    const iceB = iceCredentials();
    const ssrcA = randomSsrc();
    const ssrcB = randomSsrc();
    callIds.set(j, [x, y]);
    const camA = o.video ? { ssrc: randomSsrc() } : undefined;
    const camB = o.video ? { ssrc: randomSsrc() } : undefined;
    await node.request(MediaCommands.softphoneOffer, { callId: x, sdp: softphoneSdp({ ep: a, port: gen.port, ice: iceA, fingerprint: gen.fingerprint, ssrc: ssrcA, g711First: true, video: camA }) });
    const xPbx = await node.request(MediaCommands.pbxCreateOffer, { callId: x, srtp: 'optional' });
    // The PBX passes X's SDP to Y untouched (Kamailio without rtpengine).
    const yPbx = await node.request(MediaCommands.pbxOffer, { callId: y, sdp: xPbx.sdp });
    const toB = await node.request(MediaCommands.softphoneCreateOffer, { callId: y });
    const mid = /^a=mid:(\S+)/m.exec(toB.sdp)?.[1] ?? '0';
    const pt = Number(/^a=rtpmap:(\d+) PCMU\/8000/m.exec(toB.sdp)?.[1] ?? 0);
    const teText = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(toB.sdp)?.[1];
    const te = teText === undefined ? undefined : Number(teText);
    // The node offers B a camera only when A has one (the call can carry video).
    const videoSection = toB.sdp.split(/^(?=m=)/m).find((m) => m.startsWith('m=video') && !m.startsWith('m=video 0 '));
    const videoAnswer = videoSection && camB ? { mid: /^a=mid:(\S+)/m.exec(videoSection)?.[1] ?? '1', pt: Number(/^a=rtpmap:(\d+) VP8\/90000/m.exec(videoSection)?.[1]) } : undefined;
    if (o.video && !videoAnswer?.pt) throw new Error(`the node offered softphone B no VP8 camera:\n${toB.sdp}`);
    await node.request(MediaCommands.softphoneApplyAnswer, { callId: y, sdp: softphoneSdp({ ep: b, port: gen.port, ice: iceB, fingerprint: gen.fingerprint, ssrc: ssrcB, video: camB, answer: { mid, pt, te, video: videoAnswer } }) });
    const linked = await node.request(MediaCommands.pbxApplyAnswer, { callId: x, sdp: yPbx.sdp });
    if (linked.mediaPath !== 'direct') throw new Error(`calls ${x} and ${y} are not on Direct Media (path ${linked.mediaPath})`);
    const answer = await node.request(MediaCommands.softphoneAnswer, { callId: x });
    const serverA = iceOf(answer.sdp);
    const serverB = iceOf(toB.sdp);
    await Promise.all([gen.connectWebRtc(a, serverA, iceA.ufrag), gen.connectWebRtc(b, serverB, iceB.ufrag)]);
    await gen.stream(2 * j, a, serverA, ssrcA, 0, b);
    await gen.stream(2 * j + 1, b, serverB, ssrcB, pt, a);
    if (camA && camB && videoAnswer) {
      if (!/^m=video [1-9]/m.test(answer.sdp)) throw new Error(`the node declined softphone A's camera:\n${answer.sdp}`);
      await gen.stream(videoSid(2 * j), a, serverA, camA.ssrc, 96, b, VIDEO_1MBIT);
      await gen.stream(videoSid(2 * j + 1), b, serverB, camB.ssrc, videoAnswer.pt, a, VIDEO_1MBIT);
    }
  };

  return {
    name: `ucserver-${path}${o.captureEvery ? '-capture' : ''}${o.video ? '-video' : ''}${workers > 1 ? `@${workers}w` : ''}`,
    unit: path === 'pbx'
      ? `one ucserver call via the PBX: WebRTC softphone leg (DTLS-SRTP) + PBX leg (RTP/AVP), set up with the bus commands${o.captureEvery ? `; every ${o.captureEvery}th call captured to pcapng` : ''}`
      : `two ucserver calls linked by Direct Media: softphone leg ⇄ softphone leg (one router, or pipeToRouter between two), PBX legs idle${o.video ? '; audio + ~1 Mbit/s VP8 each way' : ''}`,
    relayPid: workerPid,
    ...(workers > 1 ? { relayPids: workerPids } : {}),
    helperPids: [{ name: 'media node (Node.js)', pid: nodePid }],
    addCalls: (from, to) => forEachLimited(from, to, 16, path === 'pbx' ? viaPbx : direct),
    async removeCalls(from, to) {
      for (let i = from; i < to; i++) {
        await gen.stop(2 * i);
        await gen.stop(2 * i + 1);
        if (o.video) {
          await gen.stop(videoSid(2 * i));
          await gen.stop(videoSid(2 * i + 1));
        }
        for (const callId of callIds.get(i) ?? []) await node.request(MediaCommands.close, { callId }).catch(() => undefined);
        callIds.delete(i);
      }
    },
    async close() {
      await bus.close();
      await proc.stop({ signal: 'SIGTERM', graceMs: 20_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
