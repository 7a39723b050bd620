// A new softphone with a camera: its offer has audio, video and a data channel. The call carries audio
// and (through the PBX, see e2e 16) video, not the data channel, so the media node answers every m-line,
// in order, the data one with port 0 (RFC 3264 §6); Chromium refuses an answer whose m-lines differ from
// its offer. The call connects with audio both ways through the PBX (Kamailio + rtpengine), and a hold by
// SDP re-offer (which repeats the declined m-line) is answered too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserUser } from './support/BrowserUser.ts';
import { cleanup, establish, hangUp, silenceBothWays, tonesBothWays } from './support/callFlow.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '09-video-declined', pbxMode: 'media-via-pbx' });

interface AvOfferState {
  /** The last remote answer the page applied. */
  answer: string | undefined;
  /** Each transceiver's kind, mid and negotiated direction. */
  transceivers: Array<{ kind: string | undefined; mid: string | null; currentDirection: string | null | undefined }>;
  dataChannel: string | undefined;
  connectionState: string | undefined;
}

/**
 * Makes every RTCPeerConnection of the page offer video (the fake camera) and a data channel besides
 * the softphone's microphone, as a softphone with a camera does; records what is answered.
 */
async function offerVideoAndData(user: BrowserUser): Promise<void> {
  await user.page.evaluate(() => {
    const w = window as unknown as { avPeer?: RTCPeerConnection; avAnswer?: string; avChannel?: RTCDataChannel };
    const proto = RTCPeerConnection.prototype;
    const createOffer = proto.createOffer as (this: RTCPeerConnection, options?: RTCOfferOptions) => Promise<RTCSessionDescriptionInit>;
    const setRemote = proto.setRemoteDescription as (this: RTCPeerConnection, d: RTCSessionDescriptionInit) => Promise<void>;
    const armed = new WeakSet<RTCPeerConnection>();
    proto.createOffer = async function (this: RTCPeerConnection, options?: RTCOfferOptions) {
      if (!armed.has(this)) {
        armed.add(this);
        const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
        this.addTrack(camera.getVideoTracks()[0]!, camera);
        w.avChannel = this.createDataChannel('chat');
        w.avPeer = this;
      }
      return createOffer.call(this, options);
    } as typeof proto.createOffer;
    proto.setRemoteDescription = async function (this: RTCPeerConnection, d: RTCSessionDescriptionInit) {
      if (this === w.avPeer && d.type === 'answer') w.avAnswer = d.sdp;
      return setRemote.call(this, d);
    } as typeof proto.setRemoteDescription;
  });
}

function avState(user: BrowserUser): Promise<AvOfferState> {
  return user.page.evaluate(() => {
    const w = window as unknown as { avPeer?: RTCPeerConnection; avAnswer?: string; avChannel?: RTCDataChannel };
    return {
      answer: w.avAnswer,
      transceivers: (w.avPeer?.getTransceivers() ?? []).map((t) => ({ kind: t.receiver.track?.kind, mid: t.mid, currentDirection: t.currentDirection })),
      dataChannel: w.avChannel?.readyState,
      connectionState: w.avPeer?.connectionState,
    };
  });
}

const mlines = (sdp: string | undefined): string[] => (sdp ?? '').split(/\r?\n/).filter((l) => l.startsWith('m=')).map((l) => l.split(' ').slice(0, 3).join(' '));

test('a softphone offering audio + video + data channel: the answer takes audio and video, declines the data channel with port 0, audio both ways, hold by re-offer works', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await offerVideoAndData(alice);
    await establish(stack, alice, bob);
    await stack.step('A\'s answer: every m-line of its offer in order, video bundled with audio, the data channel at port 0', async () => {
      const s = await avState(alice);
      stack.log(`A's answered m-lines: ${JSON.stringify(mlines(s.answer))}; transceivers ${JSON.stringify(s.transceivers)}; data channel ${s.dataChannel}`);
      const m = mlines(s.answer);
      assert.equal(m.length, 3, `three m-lines answered: ${JSON.stringify(m)}`);
      assert.match(m[0]!, /^m=audio [1-9]\d* UDP\/TLS\/RTP\/SAVPF$/);
      assert.equal(m[1], m[0]!.replace('audio', 'video'), 'video on the bundle\'s port');
      assert.equal(m[2], 'm=application 0 UDP/DTLS/SCTP');
      assert.match(s.answer!, /^a=group:BUNDLE 0 1\r?$/m, 'audio and video bundled, not the data channel');
      assert.equal(s.connectionState, 'connected');
      assert.deepEqual(s.transceivers.map((t) => [t.kind, t.mid, t.currentDirection]), [['audio', '0', 'sendrecv'], ['video', '1', 'sendrecv']], 'audio and video transceivers');
      assert.notEqual(s.dataChannel, 'open', 'the data channel never opens');
    });
    await alice.screenshot('video-declined-connected');
    await stack.step('A holds by SDP re-offer (its declined m-line at port 0): answered, held', async () => {
      assert.deepEqual(await alice.holdBySdp(true), { signalingState: 'stable', currentDirection: 'sendonly' });
      await bob.waitCall((c) => c.state === 'held', 'held by the other party', 10_000);
      const held = mlines((await avState(alice)).answer).map((l) => l.split(' ').slice(0, 2).join(' '));
      assert.deepEqual([held[1]!.startsWith('m=video 0'), held[2]], [false, 'm=application 0']);
    });
    await silenceBothWays(stack, alice, bob);
    await stack.step('A retrieves by SDP re-offer', async () => {
      assert.deepEqual(await alice.holdBySdp(false), { signalingState: 'stable', currentDirection: 'sendrecv' });
      await bob.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
    });
    await tonesBothWays(stack, alice, bob, 'audio resumes both ways');
    await hangUp(stack, alice, bob, 'normal');
  } finally {
    await cleanup(stack, alice, bob);
  }
});
