// Baselines: rtpengine in userspace (--num-threads=1, every thread pinned to the relay core). Per call unit
// an ng offer (side A's SDP) and answer (side B's), so rtpengine relays between two port pairs: A sends to
// the port of the answer's reply SDP, B to the port of the offer's reply SDP. Variants:
//  - 'plain':   RTP/AVP on both sides (the floor: no ICE, no DTLS, no SRTP);
//  - 'webrtc':  A plain, B WebRTC (rtpengine ICE-lite, DTLS server, SRTP; the generator as a WebRTC client)
//               — the topology of a ucserver call via the PBX, where rtpengine would front the browser;
//  - 'webrtc2': A and B both WebRTC — the topology of a Direct Media conversation (two softphones, one hop).
import { freePortRange, parseSdp, releasePorts, Rtpengine } from '@ucserver/testkit';
import { endpointIp, type Generator } from './Generator.ts';
import { childrenOf, commandOf, pin } from './proc.ts';
import { forEachLimited, iceCredentials, randomSsrc, sideA, sideB, type RelaySystem } from './RelaySystem.ts';

export type RtpengineVariant = 'plain' | 'webrtc' | 'webrtc2';

export function plainSdp(address: string, port: number, id: number): string {
  return ['v=0', `o=- ${id} 1 IN IP4 ${address}`, 's=-', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

/** The RTP address and port of an SDP's first audio m-line. */
export function sdpTarget(sdp: string): { ip: string; port: number } {
  const audio = parseSdp(sdp).media.find((m) => m.media === 'audio');
  if (!audio?.address || !audio.port) throw new Error(`no c=/m=audio in SDP:\n${sdp}`);
  return { ip: audio.address, port: audio.port };
}

/**
 * A generator endpoint's WebRTC SDP: ICE (one host candidate, its ufrag/pwd), DTLS client (`a=setup:active`:
 * the generator always opens the handshake) with the generator's certificate, rtcp-mux, PCMU.
 */
export function webrtcSdp(address: string, port: number, id: number, ice: { ufrag: string; pwd: string }, fingerprint: string): string {
  return ['v=0', `o=- ${id} 1 IN IP4 ${address}`, 's=-', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} UDP/TLS/RTP/SAVPF 0`,
    'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', 'a=rtcp-mux', 'a=setup:active', `a=fingerprint:sha-256 ${fingerprint}`,
    `a=ice-ufrag:${ice.ufrag}`, `a=ice-pwd:${ice.pwd}`, `a=candidate:1 1 UDP 2130706431 ${address} ${port} typ host`, ''].join('\r\n');
}

/** rtpengine's side of a WebRTC m-line: its ICE credentials and first RTP candidate. */
export function iceServer(sdp: string): { ip: string; port: number; ufrag: string; pwd: string } {
  const audio = parseSdp(sdp).media.find((m) => m.media === 'audio');
  const attribute = (name: string): string | undefined => audio?.attributes.find((a) => a.startsWith(`${name}:`))?.slice(name.length + 1);
  // a=candidate:<foundation> <component> <transport> <priority> <ip> <port> typ host
  const candidate = audio?.attributes.map((a) => /^candidate:\S+ 1 udp \d+ (\S+) (\d+) typ/i.exec(a)).find((m) => m);
  const ufrag = attribute('ice-ufrag');
  const pwd = attribute('ice-pwd');
  if (!ufrag || !pwd || !candidate) throw new Error(`no ICE credentials or candidate in rtpengine's SDP:\n${sdp}`);
  return { ip: candidate[1]!, port: Number(candidate[2]), ufrag, pwd };
}

export async function startRtpengine(gen: Generator, maxCalls: number, relayCore: number, variant: RtpengineVariant = 'plain'): Promise<RelaySystem> {
  // 4 ports per call (RTP + RTCP on both sides), plus slack.
  const range = await freePortRange(4 * maxCalls + 200, 20000, 60000);
  const engine = await Rtpengine.start({ portMin: range.min, portMax: range.max, deleteDelay: 0, logLevel: 4 });
  const pid = engine.process!.pid!;
  // ManagedProcess may run it through a wrapper: pin the daemon itself (and everything under it).
  const daemon = commandOf(pid).includes('rtpengine') ? pid : childrenOf(pid).find((c) => commandOf(c).includes('rtpengine')) ?? pid;
  pin(daemon, relayCore);

  // Toward a WebRTC side rtpengine is ICE-lite (the generator is the controlling agent, as a browser would be
  // toward ucserver's ICE-lite media node) and the DTLS server; SDES is off, so SRTP is keyed by DTLS only.
  const toWebRtc = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', ICE: 'force', DTLS: 'passive', 'rtcp-mux': ['require'], SDES: ['off'] };
  const addCall = async (i: number): Promise<void> => {
    const a = sideA(i);
    const b = sideB(i);
    const callId = `bench-${i}`;
    const iceA = iceCredentials();
    const iceB = iceCredentials();
    const sdpA = variant === 'webrtc2' ? webrtcSdp(endpointIp(a), gen.port, i, iceA, gen.fingerprint) : plainSdp(endpointIp(a), gen.port, i);
    const sdpB = variant === 'plain' ? plainSdp(endpointIp(b), gen.port, i) : webrtcSdp(endpointIp(b), gen.port, i, iceB, gen.fingerprint);
    const offer = await engine.ng('offer', {
      'call-id': callId, 'from-tag': `a${i}`, sdp: sdpA, replace: ['origin', 'session-connection'],
      ...(variant === 'plain' ? {} : { ...toWebRtc, 'ICE-lite': variant === 'webrtc2' ? 'both' : 'forward' }),
    }, 10_000);
    const answer = await engine.ng('answer', { 'call-id': callId, 'from-tag': `a${i}`, 'to-tag': `b${i}`, sdp: sdpB, replace: ['origin', 'session-connection'] }, 10_000);
    if (String(offer.result) !== 'ok' || String(answer.result) !== 'ok') throw new Error(`rtpengine refused call ${i}: ${String(offer['error-reason'] ?? answer['error-reason'])}`);
    // A sends to the port rtpengine answered A with; B to the one it offered B.
    let toA = sdpTarget(String(answer.sdp));
    let toB = sdpTarget(String(offer.sdp));
    if (variant !== 'plain') {
      const server = iceServer(String(offer.sdp));
      await gen.connectWebRtc(b, server, iceB.ufrag);
      toB = { ip: server.ip, port: server.port };
    }
    if (variant === 'webrtc2') {
      const server = iceServer(String(answer.sdp));
      await gen.connectWebRtc(a, server, iceA.ufrag);
      toA = { ip: server.ip, port: server.port };
    }
    await gen.stream(2 * i, a, toA, randomSsrc(), 0, b);
    await gen.stream(2 * i + 1, b, toB, randomSsrc(), 0, a);
  };

  return {
    name: variant === 'plain' ? 'rtpengine' : `rtpengine-${variant}`,
    unit: {
      plain: 'one rtpengine call (offer + answer), plain RTP/AVP on both sides',
      webrtc: 'one rtpengine call, side A plain RTP/AVP, side B WebRTC (ICE-lite, DTLS-SRTP)',
      webrtc2: 'one rtpengine call, both sides WebRTC (ICE-lite, DTLS-SRTP)',
    }[variant],
    relayPid: daemon,
    helperPids: [],
    addCalls: (from, to) => forEachLimited(from, to, variant === 'plain' ? 16 : 8, addCall),
    async removeCalls(from, to) {
      for (let i = from; i < to; i++) {
        await gen.stop(2 * i);
        await gen.stop(2 * i + 1);
        await engine.ng('delete', { 'call-id': `bench-${i}`, 'from-tag': `a${i}` }, 10_000).catch(() => undefined);
      }
    },
    close: async () => {
      await engine.dispose();
      releasePorts(range.min, range.max - range.min + 1);
    },
  };
}
