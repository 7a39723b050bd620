// Video through the PBX at the media node: a softphone that offers video gets a video m-line toward the
// PBX on a video PlainTransport of its own; the PBX's answer (its own payload type, rtcp-mux) fixes the
// codec; what the PBX sends arrives at a Producer (SSRC learnt), which mediasoup asks for key frames by
// PLI over the PBX's RTCP; a PBX that declines video leaves an audio call. Incoming: the PBX's video
// m-line is taken in its numbering (plain and SDES) and the called softphone is offered that codec.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import { buildRtp, check } from '@ucserver/testkit';
import { FakePbx } from '../support/FakePbx.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { fixture } from '../sdp/fixtures.ts';

const avOffer = fixture('chromium-av-data-offer.sdp');
const KEY = Buffer.alloc(30, 0x3c).toString('base64');

const mlines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m='));
/** The lines of the m-section that starts with `m=<kind>`. */
function section(sdp: string, kind: string): string[] {
  const lines = sdp.split('\r\n');
  const start = lines.findIndex((l) => l.startsWith(`m=${kind} `));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('m='));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The PBX's video socket: records RTCP (key frame requests) it receives. */
async function videoSocket(t: TestContext): Promise<{ socket: Socket; port: number; rtcp: Buffer[] }> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.after(() => socket.close());
  const rtcp: Buffer[] = [];
  socket.on('message', (msg) => {
    if (msg.length >= 8 && msg[1]! >= 192 && msg[1]! <= 223) rtcp.push(msg);
  });
  return { socket, port: socket.address().port, rtcp };
}

/** RTCP payload-specific feedback packets (PT 206) in a compound packet: [fmt, media SSRC]. */
function feedback(packet: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let off = 0; off + 12 <= packet.length;) {
    const fmt = packet[off]! & 0x1f;
    const pt = packet[off + 1]!;
    const length = (packet.readUInt16BE(off + 2) + 1) * 4;
    if (pt === 206) out.push([fmt, packet.readUInt32BE(off + 8)]);
    off += length;
  }
  return out;
}

async function outgoingVideoCall(t: TestContext, h: Harness, callId: string, answerVideo: string[]) {
  const pbx = await FakePbx.create();
  t.after(() => pbx.close());
  await h.request('softphoneOffer', { callId, sdp: avOffer });
  const offer = await h.request('pbxCreateOffer', { callId, srtp: 'off' });
  pbx.useRemoteSdp(offer.sdp);
  await h.request('pbxApplyAnswer', { callId, sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], moreMedia: [answerVideo] }) });
  const answer = await h.request('softphoneAnswer', { callId });
  return { pbx, offer: offer.sdp, answer: answer.sdp, call: h.app.node.call(callId)! };
}

describe('video through the PBX', { timeout: 60_000 }, () => {
  test('outgoing: video m-line toward the PBX, its own payload type in the answer, the PBX video reaches a Producer that asks the PBX for key frames; hold keeps the video m-line', async (t) => {
    const h = await startHarness(t);
    const sock = await videoSocket(t);
    const { offer, answer, call } = await outgoingVideoCall(t, h, 'v-out', [`m=video ${sock.port} RTP/AVP 100`, 'a=rtpmap:100 VP8/90000', 'a=rtcp-fb:100 nack pli', 'a=rtcp-fb:100 ccm fir', 'a=rtcp-mux', 'a=sendrecv']);
    // Our offer: the softphone's video codecs, numbered as the softphone numbers them, with feedback.
    const video = section(offer, 'video');
    const port = Number(/^m=video (\d+) RTP\/AVP 96 102$/.exec(video[0]!)?.[1]);
    assert.ok(port > 0, `a video m-line with its own port: ${video[0]}`);
    assert.notEqual(port, Number(/^m=audio (\d+) /m.exec(offer)?.[1]), 'not the audio port');
    assert.ok(video.includes('a=rtcp-fb:96 nack pli') && video.includes('a=rtcp-fb:102 ccm fir'));
    // The softphone's answer takes video in the codec the PBX chose (the softphone's number for it).
    assert.deepEqual(mlines(answer).map((m) => m.replace(/ [1-9]\d* /, ' N ')), ['m=audio N UDP/TLS/RTP/SAVPF 0 126', 'm=video N UDP/TLS/RTP/SAVPF 96', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel']);
    const leg = call.pbxVideoLeg!;
    assert.deepEqual([leg.codec?.spec.name, leg.codec?.sendPayloadType, leg.codec?.recvPayloadType], ['VP8', 100, 96], 'we send with the PBX\'s 100, it sends with our 96');
    assert.equal(leg.rtcpMux, true, 'the PBX multiplexes RTCP, so the leg does');
    assert.equal(leg.local.port, port, 'the same RTP port after going muxed');
    // The camera (the softphone's video Producer) is sent to the PBX in its payload type, with feedback.
    const uplink = await check(() => leg.uplink, 5000, { name: 'the camera\'s Consumer toward the PBX' });
    // mediasoup Consumers send with the router's numbers: a PBX that renumbers in its answer gets the
    // offered one (RFC 3264 §6.1 asks answerers to keep it), as for audio.
    assert.equal(uplink.rtpParameters.codecs[0]!.payloadType, 96);
    assert.ok(uplink.rtpParameters.codecs[0]!.rtcpFeedback?.some((f) => f.type === 'nack' && f.parameter === 'pli'));
    // What the PBX sends: its SSRC is learnt, a video Producer in our payload type follows.
    let seq = 0;
    const producer = await check(() => {
      sock.socket.send(buildRtp({ payloadType: 96, sequenceNumber: seq++, timestamp: seq * 3000, ssrc: 0xbeef, payload: Buffer.alloc(200, 1) }), port, '127.0.0.1');
      return leg.producer;
    }, 5000, { name: 'the PBX video Producer', intervalMs: 20 });
    assert.equal(producer.kind, 'video');
    assert.deepEqual(producer.rtpParameters.encodings?.map((e) => e.ssrc), [0xbeef]);
    // A receiver's key frame request goes to the PBX as RTCP PLI for its SSRC (the Producer's feedback).
    const direct = await call.router!.createDirectTransport();
    const viewer = await direct.consume({ producerId: producer.id, rtpCapabilities: call.router!.rtpCapabilities });
    await check(async () => {
      await viewer.requestKeyFrame();
      return sock.rtcp.flatMap(feedback).some(([fmt, ssrc]) => (fmt === 1 || fmt === 4) && ssrc === 0xbeef) || undefined;
    }, 5000, { name: 'PLI/FIR for the PBX\'s SSRC at the PBX video socket', intervalMs: 100 });
    direct.close();
    // The PBX's PLI for the camera arrives at our (now muxed) RTP port and reaches the camera's Consumer:
    // a non-muxed transport would drop it there.
    const pli = Buffer.alloc(12);
    pli.writeUInt8(0x81, 0);
    pli.writeUInt8(206, 1);
    pli.writeUInt16BE(2, 2);
    pli.writeUInt32BE(0xbeef, 4);
    pli.writeUInt32BE(uplink.rtpParameters.encodings![0]!.ssrc!, 8);
    await check(async () => {
      sock.socket.send(pli, port, '127.0.0.1');
      const stats = (await uplink.getStats()) as Array<{ type: string; pliCount: number }>;
      return (stats.find((x) => x.type === 'outbound-rtp')?.pliCount ?? 0) > 0 || undefined;
    }, 5000, { name: 'the PBX\'s PLI counted at the camera\'s Consumer', intervalMs: 100 });
    // Hold: the video m-line is in our re-offer, sendonly like the audio.
    const hold = await h.request('pbxHoldOffer', { callId: 'v-out', hold: true });
    assert.deepEqual(section(hold.sdp, 'video').filter((l) => /^m=|^a=(sendonly|sendrecv)$/.test(l)), [`m=video ${port} RTP/AVP 96`, 'a=sendonly']);
    await h.request('close', { callId: 'v-out' });
    await h.assertNoTransports();
  });

  const declines = [
    { name: 'port 0', video: ['m=video 0 RTP/AVP 96 102'] },
    { name: 'a codec we did not offer', video: ['m=video 40000 RTP/AVP 34', 'a=rtpmap:34 H263/90000'] },
  ];
  for (const row of declines) {
    test(`outgoing: a PBX that answers video with ${row.name} leaves an audio call (softphone video at port 0, video leg closed, later offers keep m=video 0)`, async (t) => {
      const h = await startHarness(t);
      const { answer, call, pbx } = await outgoingVideoCall(t, h, 'v-no', row.video);
      assert.deepEqual(mlines(answer).slice(1), ['m=video 0 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120', 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel']);
      assert.equal(call.pbxVideoLeg, undefined);
      assert.equal(call.softphoneLeg?.hasVideo, false);
      assert.ok(pbx.target);
      const hold = await h.request('pbxHoldOffer', { callId: 'v-no', hold: true });
      assert.deepEqual(mlines(hold.sdp).slice(1), ['m=video 0 RTP/AVP 96 102']);
      await h.request('close', { callId: 'v-no' });
      await h.assertNoTransports();
    });
  }

  const incoming = [
    { name: 'RTP/AVP', profile: 'RTP/AVP', crypto: [] as string[] },
    { name: 'SDES RTP/SAVP', profile: 'RTP/SAVP', crypto: [`a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`] },
  ];
  for (const row of incoming) {
    test(`incoming ${row.name}: the PBX's video m-line is taken in its numbering (H.264 at 99) with feedback; the called softphone is offered H.264 at 99`, async (t) => {
      const h = await startHarness(t);
      const pbx = await FakePbx.create();
      t.after(() => pbx.close());
      const video = [`m=video 40002 ${row.profile} 99 100`, 'a=rtpmap:99 H264/90000', 'a=fmtp:99 packetization-mode=1;profile-level-id=42e01f', 'a=rtpmap:100 VP8/90000', ...row.crypto, 'a=sendrecv'];
      const sdp = pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], moreMedia: [video] });
      const reply = await h.request('pbxOffer', { callId: 'v-in', sdp: row.crypto.length ? sdp.replace(/RTP\/AVP 0 101/, 'RTP/SAVP 0 101').replace('a=sendrecv', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}\r\na=sendrecv`) : sdp });
      const ours = section(reply.sdp, 'video');
      assert.match(ours[0]!, new RegExp(`^m=video [1-9]\\d* ${row.profile.replace('/', '\\/')} 99$`));
      assert.ok(ours.includes('a=rtpmap:99 H264/90000') && ours.includes('a=rtcp-fb:99 nack pli') && ours.includes('a=rtcp-fb:99 ccm fir'));
      if (row.crypto.length) assert.ok(ours.some((l) => /^a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:/.test(l)), 'our key, under the PBX\'s tag');
      const leg = h.app.node.call('v-in')!.pbxVideoLeg!;
      assert.deepEqual([leg.codec?.sendPayloadType, leg.codec?.recvPayloadType], [99, 99]);
      const offer = await h.request('softphoneCreateOffer', { callId: 'v-in' });
      const sp = section(offer.sdp, 'video');
      assert.match(sp[0]!, /^m=video \d+ UDP\/TLS\/RTP\/SAVPF 99$/);
      assert.ok(sp.includes('a=rtpmap:99 H264/90000'));
      await h.request('close', { callId: 'v-in' });
      await h.assertNoTransports();
    });
  }
});
