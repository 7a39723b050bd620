// Baselines with mediasoup alone (no ucserver code): one worker, per call unit a router with
//  - 'plain':  two PlainTransports (rtcp-mux, connected to the generator's A and B endpoints), a Producer on
//              each and on the other a Consumer of it, both without RTP header extensions;
//  - 'webrtc': the same with side A on a WebRtcTransport of the worker's WebRtcServer (ICE-lite, DTLS,
//              SRTP with the generator as a WebRTC client), i.e. the topology of a ucserver call, minus ucserver;
//  - 'webrtc2': both sides on WebRtcTransports of one router: a Direct Media conversation's topology (softphone
//              ⇄ node ⇄ softphone) without a pipe between two routers;
//  - 'webrtc2-video': the same with a VP8 camera on both sides (~1 Mbit/s each way besides the audio).
import { createWorker } from 'mediasoup';
import type { Consumer, PlainTransport, Producer, Router, RtpCapabilities, RtpParameters, Transport, WebRtcServer, WebRtcTransport, Worker } from 'mediasoup/types';
import { endpointIp, VIDEO_1MBIT, videoSid, type Generator } from './Generator.ts';
import { pin } from './proc.ts';
import { forEachLimited, iceCredentials, randomSsrc, sideA, sideB, type RelaySystem } from './RelaySystem.ts';

const pcmu = { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 } as const;
const vp8 = { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 } as const;
const leanCapabilities: RtpCapabilities = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/PCMU', preferredPayloadType: 0, clockRate: 8000 },
    { kind: 'video', mimeType: 'video/VP8', preferredPayloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] },
  ],
  headerExtensions: [],
};

function producerParameters(ssrc: number, kind: 'audio' | 'video' = 'audio'): RtpParameters {
  return { codecs: [kind === 'audio' ? { ...pcmu } : { ...vp8, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }], headerExtensions: [], encodings: [{ ssrc }], rtcp: { reducedSize: true } };
}

interface Unit {
  router: Router;
  transports: Transport[];
  producers: Producer[];
  consumers: Consumer[];
}

export async function startRawMediasoup(gen: Generator, variant: 'plain' | 'webrtc' | 'webrtc2' | 'webrtc2-video', relayCore: number): Promise<RelaySystem> {
  const worker: Worker = await createWorker({ logLevel: 'warn' });
  pin(worker.pid, relayCore);
  const webRtcServer: WebRtcServer | undefined = variant !== 'plain'
    ? await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 }] })
    : undefined;
  const units = new Map<number, Unit>();

  const plain = async (router: Router, ep: number): Promise<PlainTransport> => {
    const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
    await t.connect({ ip: endpointIp(ep), port: gen.port });
    return t;
  };

  const addCall = async (i: number): Promise<void> => {
    const router = await worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, preferredPayloadType: 0 }, { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 }] });
    const a = sideA(i);
    const b = sideB(i);
    // A WebRTC side: a WebRtcTransport of the server, the generator's endpoint `ep` its ICE/DTLS client.
    const webrtc = async (ep: number): Promise<{ transport: WebRtcTransport; to: { ip: string; port: number } }> => {
      const wt = await router.createWebRtcTransport({ webRtcServer: webRtcServer!, enableUdp: true, enableTcp: false });
      await wt.connect({ dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: gen.fingerprint }] } });
      const candidate = wt.iceCandidates.find((c) => c.protocol === 'udp')!;
      const to = { ip: candidate.address, port: candidate.port };
      await gen.connectWebRtc(ep, { ...to, ufrag: wt.iceParameters.usernameFragment, pwd: wt.iceParameters.password }, iceCredentials().ufrag);
      return { transport: wt, to };
    };
    let ta: PlainTransport | WebRtcTransport;
    let toA: { ip: string; port: number };
    if (variant === 'plain') {
      ta = await plain(router, a);
      toA = { ip: '127.0.0.1', port: ta.tuple.localPort };
    } else {
      ({ transport: ta, to: toA } = await webrtc(a));
    }
    let tb: PlainTransport | WebRtcTransport;
    let toB: { ip: string; port: number };
    if (variant === 'webrtc2' || variant === 'webrtc2-video') {
      ({ transport: tb, to: toB } = await webrtc(b));
    } else {
      const pt = await plain(router, b);
      tb = pt;
      toB = { ip: '127.0.0.1', port: pt.tuple.localPort };
    }
    const ssrcA = randomSsrc();
    const ssrcB = randomSsrc();
    const pa = await ta.produce({ kind: 'audio', rtpParameters: producerParameters(ssrcA) });
    const pb = await tb.produce({ kind: 'audio', rtpParameters: producerParameters(ssrcB) });
    const ca = await tb.consume({ producerId: pa.id, rtpCapabilities: leanCapabilities });
    const cb = await ta.consume({ producerId: pb.id, rtpCapabilities: leanCapabilities });
    units.set(i, { router, transports: [ta, tb], producers: [pa, pb], consumers: [ca, cb] });
    if (variant === 'webrtc2-video') {
      const camA = randomSsrc();
      const camB = randomSsrc();
      const va = await ta.produce({ kind: 'video', rtpParameters: producerParameters(camA, 'video') });
      const vb = await tb.produce({ kind: 'video', rtpParameters: producerParameters(camB, 'video') });
      const cva = await tb.consume({ producerId: va.id, rtpCapabilities: leanCapabilities });
      const cvb = await ta.consume({ producerId: vb.id, rtpCapabilities: leanCapabilities });
      units.get(i)!.producers.push(va, vb);
      units.get(i)!.consumers.push(cva, cvb);
      await gen.stream(videoSid(2 * i), a, toA, camA, 96, b, VIDEO_1MBIT);
      await gen.stream(videoSid(2 * i + 1), b, toB, camB, 96, a, VIDEO_1MBIT);
    }
    await gen.stream(2 * i, a, toA, ssrcA, 0, b);
    await gen.stream(2 * i + 1, b, toB, ssrcB, 0, a);
  };

  return {
    name: `mediasoup-${variant}`,
    unit: {
      plain: 'router + 2 PlainTransports, a Producer and a Consumer on each (no header extensions)',
      webrtc: 'router + WebRtcTransport (DTLS-SRTP) + PlainTransport, a Producer and a Consumer on each',
      webrtc2: 'router + 2 WebRtcTransports (DTLS-SRTP), a Producer and a Consumer on each',
      'webrtc2-video': 'router + 2 WebRtcTransports (DTLS-SRTP), an audio and a VP8 Producer and Consumer on each (~1 Mbit/s video each way)',
    }[variant],
    relayPid: worker.pid,
    helperPids: [],
    addCalls: (from, to) => forEachLimited(from, to, variant === 'plain' ? 32 : 16, addCall),
    async removeCalls(from, to) {
      for (let i = from; i < to; i++) {
        await gen.stop(2 * i);
        await gen.stop(2 * i + 1);
        if (variant === 'webrtc2-video') {
          await gen.stop(videoSid(2 * i));
          await gen.stop(videoSid(2 * i + 1));
        }
        units.get(i)?.router.close();
        units.delete(i);
      }
    },
    async close() {
      worker.close();
    },
  };
}
