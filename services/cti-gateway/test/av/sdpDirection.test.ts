// offeredDirection / isHoldDirection as pure units: which re-offers hold (table-driven).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHoldDirection, offeredDirection, type SdpDirection } from '../../src/av/sdpDirection.ts';

const head = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const audio = 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n';

describe('sdpDirection', () => {
  it('offeredDirection(): the audio m-section, else the session, else sendrecv', () => {
    const rows: Array<[name: string, sdp: string, direction: SdpDirection]> = [
      ['no attribute', head + audio, 'sendrecv'],
      ['audio sendonly', `${head}${audio}a=sendonly\r\n`, 'sendonly'],
      ['audio inactive', `${head}${audio}a=inactive\r\n`, 'inactive'],
      ['audio recvonly', `${head}${audio}a=recvonly\r\n`, 'recvonly'],
      ['audio sendrecv', `${head}${audio}a=sendrecv\r\n`, 'sendrecv'],
      ['session sendonly only', `${head}a=sendonly\r\n${audio}`, 'sendonly'],
      ['media overrides session', `${head}a=sendonly\r\n${audio}a=sendrecv\r\n`, 'sendrecv'],
      ['video first, audio sendonly', `${head}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\n${audio}a=sendonly\r\n`, 'sendonly'],
      ['a second audio section is not read', `${head}${audio}m=audio 9 RTP/AVP 0\r\na=sendonly\r\n`, 'sendrecv'],
      ['LF only', `${head}${audio}a=sendonly\n`.replace(/\r\n/g, '\n'), 'sendonly'],
      ['not an SDP', 'nonsense', 'sendrecv'],
      ['a lookalike attribute', `${head}${audio}a=sendonlyx\r\n`, 'sendrecv'],
    ];
    for (const [name, sdp, direction] of rows) assert.equal(offeredDirection(sdp), direction, name);
  });

  it('isHoldDirection(): sendonly and inactive hold; sendrecv and recvonly do not', () => {
    assert.deepEqual((['sendonly', 'inactive', 'sendrecv', 'recvonly'] as const).map(isHoldDirection), [true, true, false, false]);
  });
});
