// Call set-ups shared by the integration tests: a werift softphone and a FakePbx wired through the
// media node's bus commands, plus bounded waits on what arrives where.
import type { TestContext } from 'node:test';
import type { SrtpPolicy } from '@ucserver/shared';
import { check, testPayload } from '@ucserver/testkit';
import { FakePbx, type FakePbxSdpOptions } from './FakePbx.ts';
import type { Harness } from './harness.ts';
import { SrtpContext } from './srtp.ts';
import { WeriftPhone, type PhoneCodec } from '@ucserver/testkit/werift';

export interface CallSetup {
  callId: string;
  phone: WeriftPhone;
  pbx: FakePbx;
  /** The media node's SDP toward the PBX (offer or answer). */
  nodePbxSdp: string;
}

export async function outgoingCall(
  t: TestContext,
  h: Harness,
  o: { callId: string; phoneCodecs?: PhoneCodec[]; srtp?: SrtpPolicy; pbxSdp?: FakePbxSdpOptions; pbx?: FakePbx; answerTo?: string; answered?: boolean },
): Promise<CallSetup> {
  const phone = new WeriftPhone({ codecs: o.phoneCodecs ?? ['PCMU', 'opus'] });
  const pbx = o.pbx ?? (await FakePbx.create());
  t.after(async () => {
    await phone.close();
    pbx.close();
  });
  await h.request('softphoneOffer', { callId: o.callId, sdp: await phone.offer(), ...(o.answerTo === undefined ? {} : { answerTo: o.answerTo }) });
  const offer = await h.request('pbxCreateOffer', { callId: o.callId, srtp: o.srtp ?? 'off' });
  const ours = pbx.useRemoteSdp(offer.sdp);
  let sdpOptions = o.pbxSdp ?? {};
  if (ours.crypto) {
    // The PBX decrypts with our key and encrypts with its own, as SDES does.
    const pbxKey = Buffer.alloc(30, 0x5a).toString('base64');
    pbx.srtpIn = new SrtpContext(ours.crypto.keyBase64);
    pbx.srtpOut = new SrtpContext(pbxKey);
    sdpOptions = { ...sdpOptions, crypto: { tag: ours.crypto.tag, suite: ours.crypto.suite, keyBase64: pbxKey } };
  }
  await h.request('pbxApplyAnswer', { callId: o.callId, sdp: pbx.sdp(sdpOptions), ...(o.answered === undefined ? {} : { answered: o.answered }) });
  const answer = await h.request('softphoneAnswer', { callId: o.callId });
  await phone.applyAnswer(answer.sdp);
  await phone.connected();
  return { callId: o.callId, phone, pbx, nodePbxSdp: offer.sdp };
}

export async function incomingCall(
  t: TestContext,
  h: Harness,
  o: { callId: string; phoneCodecs?: PhoneCodec[]; pbxSdp?: FakePbxSdpOptions; pbx?: FakePbx },
): Promise<CallSetup & { codec: string }> {
  const phone = new WeriftPhone({ codecs: o.phoneCodecs ?? ['opus', 'PCMU', 'PCMA', 'G722'] });
  const pbx = o.pbx ?? (await FakePbx.create());
  t.after(async () => {
    await phone.close();
    pbx.close();
  });
  if (o.pbxSdp?.crypto) pbx.srtpOut = new SrtpContext(o.pbxSdp.crypto.keyBase64);
  const reply = await h.request('pbxOffer', { callId: o.callId, sdp: pbx.sdp(o.pbxSdp) });
  const ours = pbx.useRemoteSdp(reply.sdp);
  if (ours.crypto) pbx.srtpIn = new SrtpContext(ours.crypto.keyBase64);
  const offer = await h.request('softphoneCreateOffer', { callId: o.callId });
  const answer = await phone.answer(offer.sdp);
  await h.request('softphoneApplyAnswer', { callId: o.callId, sdp: answer });
  await phone.connected();
  return { callId: o.callId, phone, pbx, nodePbxSdp: reply.sdp, codec: reply.codec };
}

/** Sends from the softphone until `count` packets with `marker` reached the PBX socket. */
export async function flowToPbx(setup: CallSetup, marker: number, count = 10, ms = 5000): Promise<number> {
  let seq = 0;
  await check(() => {
    setup.phone.send(testPayload(marker, seq++));
    return setup.pbx.received.filter((p) => p.payload[0] === marker).length >= count;
  }, ms, { name: `${count} RTP packets (0x${marker.toString(16)}) at the PBX socket`, intervalMs: 20 });
  return seq;
}

/** Sends from the PBX until `count` packets with `marker` reached the softphone. */
export async function flowToPhone(setup: CallSetup, marker: number, ssrc: number, payloadType: number, count = 10, ms = 5000): Promise<number> {
  let seq = 0;
  await check(() => {
    setup.pbx.send(payloadType, ssrc, testPayload(marker, seq++));
    return setup.phone.received.filter((p) => p.payload[0] === marker).length >= count;
  }, ms, { name: `${count} RTP packets (0x${marker.toString(16)}) at the softphone`, intervalMs: 20 });
  return seq;
}

/** Sends `n` packets with `marker` from the softphone at once (delivery order is preserved). */
export function burstFromPhone(setup: CallSetup, marker: number, n: number): void {
  for (let i = 0; i < n; i++) setup.phone.send(testPayload(marker, i));
}

/** Sends `n` packets with `marker` from the PBX at once. */
export function burstFromPbx(setup: CallSetup, marker: number, ssrc: number, payloadType: number, n: number): void {
  for (let i = 0; i < n; i++) setup.pbx.send(payloadType, ssrc, testPayload(marker, i));
}

export function countAtPbx(setup: CallSetup, marker: number): number {
  return setup.pbx.received.filter((p) => p.payload[0] === marker).length;
}

export function countAtPhone(setup: CallSetup, marker: number): number {
  return setup.phone.received.filter((p) => p.payload[0] === marker).length;
}
