// SDP offers as browsers send them (the media service's Chromium/Firefox/Safari fixtures), mutated:
// lines missing, thousands of m-lines or candidates, bad fingerprints, ports, codecs, ICE credentials,
// garbage. Used as asnAVMakeCallV2 offers and asnAVCallMessageV2 re-offers/candidates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Rng } from '../rng.ts';

const FIXTURES = fileURLToPath(new URL('../../services/media/test/fixtures/sdp/', import.meta.url));

let offers: string[] | undefined;

/** The browser offers, CRLF line ends. */
export function browserOffers(): string[] {
  offers ??= ['chromium-offer.sdp', 'firefox-offer.sdp', 'safari-offer.sdp'].map((f) => readFileSync(`${FIXTURES}${f}`, 'utf8').replace(/\r?\n/g, '\r\n'));
  return offers;
}

export interface SdpMutation {
  sdp: string;
  mutation: string;
}

function lines(sdp: string): string[] {
  return sdp.split('\r\n').filter((l) => l.length > 0);
}

function join(ls: string[]): string {
  return `${ls.join('\r\n')}\r\n`;
}

/** A mutated browser offer. */
export function mutatedSdp(rng: Rng): SdpMutation {
  const offer = rng.pick(browserOffers());
  const ls = lines(offer);
  const kind = rng.int(0, 14);
  switch (kind) {
    case 0:
      return { sdp: offer, mutation: 'valid browser offer' };
    case 1: {
      const prefix = rng.pick(['v=', 'o=', 's=', 't=', 'c=', 'm=', 'a=fingerprint', 'a=ice-ufrag', 'a=ice-pwd', 'a=setup', 'a=mid', 'a=rtpmap', 'a=group']);
      return { sdp: join(ls.filter((l) => !l.startsWith(prefix))), mutation: `without ${prefix} lines` };
    }
    case 2: {
      const n = rng.pick([50, 1000, 5000]);
      const m = ls.findIndex((l) => l.startsWith('m='));
      const media = ls.slice(m);
      const out = [...ls];
      for (let i = 0; i < n; i++) out.push(...media.map((l) => (l.startsWith('a=mid:') ? `a=mid:x${i}` : l)));
      return { sdp: join(out).slice(0, 900_000), mutation: `${n} extra m-sections` };
    }
    case 3: {
      const n = rng.pick([100, 5000, 20_000]);
      const cands = Array.from({ length: n }, (_, i) => `a=candidate:${i} 1 udp ${2122260223 - i} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} ${1024 + (i % 60000)} typ host`);
      const at = ls.findIndex((l) => l.startsWith('a=candidate')) + 1 || ls.length;
      return { sdp: join([...ls.slice(0, at), ...cands, ...ls.slice(at)]).slice(0, 900_000), mutation: `${n} candidates` };
    }
    case 4: {
      const fp = rng.pick(['sha-256 ZZ:ZZ', 'sha-256', 'md5 00:11', 'sha-999 00:11:22', '', `sha-256 ${'AB:'.repeat(5000)}AB`, 'sha-256 C2:0C']);
      return { sdp: join(ls.map((l) => (l.startsWith('a=fingerprint:') ? `a=fingerprint:${fp}` : l))), mutation: `fingerprint '${fp.slice(0, 40)}'` };
    }
    case 5: {
      const port = rng.pick(['0', '-1', '65536', '99999999999', 'abc', '9/2', '']);
      return { sdp: join(ls.map((l) => (l.startsWith('m=') ? l.replace(/^m=(\w+) \S+/, `m=$1 ${port}`) : l))), mutation: `m= port '${port}'` };
    }
    case 6: {
      const codec = rng.pick(['a=rtpmap:111 nosuch/0', 'a=rtpmap:200 x/48000/2', 'a=rtpmap:-1 opus/48000', 'a=rtpmap:111', 'a=fmtp:111 ' + 'x'.repeat(10_000), 'a=rtpmap:111 opus/99999999999999999999']);
      return { sdp: join(ls.map((l) => (l.startsWith('a=rtpmap:111') ? codec : l.startsWith('m=audio') ? `${l} 200` : l))), mutation: `codec '${codec.slice(0, 40)}'` };
    }
    case 7: {
      const only = rng.pick(['m=audio 9 UDP/TLS/RTP/SAVPF 96', 'm=audio 9 RTP/AVP 18', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'm=audio 9 UDP/TLS/RTP/SAVPF']);
      return { sdp: join(ls.map((l) => (l.startsWith('m=') ? only : l))), mutation: `m-line '${only}'` };
    }
    case 8: {
      const v = rng.pick(['', 'a', 'x'.repeat(3000), '\u0000\u0001']);
      const which = rng.pick(['a=ice-ufrag:', 'a=ice-pwd:', 'a=setup:', 'a=mid:']);
      return { sdp: join(ls.map((l) => (l.startsWith(which) ? `${which}${v}` : l))), mutation: `${which}'${v.slice(0, 10)}'` };
    }
    case 9:
      return { sdp: rng.ascii(rng.int(0, 3000)), mutation: 'random text' };
    case 10:
      return { sdp: rng.pick(['', 'v=0', 'v=0\r\n', '\r\n\r\n', 'm=audio', 'v=1\r\no=\r\n']), mutation: 'near-empty' };
    case 11: {
      const drop = rng.int(0, ls.length - 1);
      return { sdp: join(ls.filter((_, i) => i !== drop)), mutation: `line ${drop} removed` };
    }
    case 12:
      return { sdp: offer.replace(/\r\n/g, rng.pick(['\n', '\r', ' '])), mutation: 'line ends changed' };
    case 13: {
      const c = rng.pick(['c=IN IP4 999.999.999.999', 'c=IN IP6 ::::::', 'c=IN IP4', 'c=XX YY ZZ', 'c=IN IP4 0.0.0.0/255/2']);
      return { sdp: join(ls.map((l) => (l.startsWith('c=') ? c : l))), mutation: `'${c}'` };
    }
    default: {
      const at = rng.int(0, offer.length);
      return { sdp: offer.slice(0, at), mutation: `truncated at ${at}` };
    }
  }
}

/** A trickle-ICE candidate line, mutated. */
export function mutatedCandidate(rng: Rng): { candidate: string; sdpMid: string; sdpMLineIndex: number } {
  const candidate = rng.pick([
    'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
    'candidate:1 1 udp 2122260223 127.0.0.1 99999 typ host',
    'candidate:x',
    '',
    'candidate:1 1 tcp 1 ::1 9 typ host tcptype active',
    `candidate:1 1 udp 1 ${'1'.repeat(5000)} 1 typ host`,
    'candidate:1 1 udp -5 10.0.0.1 -1 typ relay raddr 0.0.0.0 rport 0',
  ]);
  return { candidate, sdpMid: rng.pick(['0', '', 'nosuch', 'x'.repeat(1000)]), sdpMLineIndex: rng.pick([0, -1, 7, 2 ** 31]) };
}
