// Baseline: rtpengine in userspace (--num-threads=1, every thread pinned to the relay core). Per call unit
// an ng offer (side A's plain RTP/AVP SDP) and answer (side B's), so rtpengine relays between two port
// pairs: A sends to the port of the answer's reply SDP, B to the port of the offer's reply SDP.
import { freePortRange, parseSdp, Rtpengine } from '@ucserver/testkit';
import { endpointIp, type Generator } from './Generator.ts';
import { childrenOf, commandOf, pin } from './proc.ts';
import { forEachLimited, randomSsrc, sideA, sideB, type RelaySystem } from './RelaySystem.ts';

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

export async function startRtpengine(gen: Generator, maxCalls: number, relayCore: number): Promise<RelaySystem> {
  // 4 ports per call (RTP + RTCP on both sides), plus slack.
  const range = await freePortRange(4 * maxCalls + 200, 20000, 60000);
  const engine = await Rtpengine.start({ portMin: range.min, portMax: range.max, deleteDelay: 0, logLevel: 4 });
  const pid = engine.process!.pid!;
  // ManagedProcess may run it through a wrapper: pin the daemon itself (and everything under it).
  const daemon = commandOf(pid).includes('rtpengine') ? pid : childrenOf(pid).find((c) => commandOf(c).includes('rtpengine')) ?? pid;
  pin(daemon, relayCore);

  const addCall = async (i: number): Promise<void> => {
    const a = sideA(i);
    const b = sideB(i);
    const callId = `bench-${i}`;
    const offer = await engine.ng('offer', { 'call-id': callId, 'from-tag': `a${i}`, sdp: plainSdp(endpointIp(a), gen.port, i), replace: ['origin', 'session-connection'] }, 10_000);
    const toB = sdpTarget(String(offer.sdp));
    const answer = await engine.ng('answer', { 'call-id': callId, 'from-tag': `a${i}`, 'to-tag': `b${i}`, sdp: plainSdp(endpointIp(b), gen.port, i), replace: ['origin', 'session-connection'] }, 10_000);
    const toA = sdpTarget(String(answer.sdp));
    // A sends to the port rtpengine answered A with; B to the one it offered B.
    await gen.stream(2 * i, a, toA, randomSsrc(), 0, b);
    await gen.stream(2 * i + 1, b, toB, randomSsrc(), 0, a);
  };

  return {
    name: 'rtpengine',
    unit: 'one rtpengine call (offer + answer), plain RTP/AVP on both sides',
    relayPid: daemon,
    helperPids: [],
    addCalls: (from, to) => forEachLimited(from, to, 16, addCall),
    async removeCalls(from, to) {
      for (let i = from; i < to; i++) {
        await gen.stop(2 * i);
        await gen.stop(2 * i + 1);
        await engine.ng('delete', { 'call-id': `bench-${i}`, 'from-tag': `a${i}` }, 10_000).catch(() => undefined);
      }
    },
    close: () => engine.dispose(),
  };
}
