// A desk phone (baresip, line 200) at the test PBX (Kamailio + rtpengine) talks to our lines: it calls
// line 101 (the gateway accepts, a werift softphone answers) and is called by line 100. Audio is
// checked at both ends: baresip plays 1 kHz and records what it hears (sndfile), the softphone sends
// 440 Hz; tones are found by Goertzel detection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Baresip,
  check,
  dominantFrequency,
  Kamailio,
  NatsServer,
  readWav,
  trimSilence,
  writeToneWav,
  type BaresipRecording,
} from '@ucserver/testkit';
import { CallBench } from '../support/CallBench.ts';
import { testLine, type Gateway } from '../support/Gateway.ts';
import type { MediaService } from '../support/MediaService.ts';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { pbxSoftphone } from '../support/softphone.ts';

const CANDIDATES = [440, 697, 1000, 1400];

async function recordingOf(phone: Baresip, count: number): Promise<BaresipRecording> {
  return check(() => {
    const all = phone.recordings();
    const last = all[count - 1];
    return last && readWav(last.received).samples.length > 8000 ? last : undefined;
  }, 8000, { name: `recording ${count} of more than 1 s in ${phone.dir}/recordings` });
}

describe('baresip desk phone at Kamailio (media-via-pbx)', { timeout: 90_000 }, () => {
  let nats: NatsServer;
  let pbx: Kamailio;
  let bench: CallBench;
  let gateway: Gateway;
  let media: MediaService;
  let phone: Baresip;
  let dir: string;
  const softphones: WeriftPhone[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-pbx-adapter-baresip-'));
    nats = await NatsServer.start();
    pbx = await Kamailio.start({ mode: 'media-via-pbx' });
    bench = await CallBench.start({ natsUrl: nats.url, lines: [testLine({ number: '100', registrar: pbx.address }), testLine({ number: '101', registrar: pbx.address })] });
    ({ gateway, media } = bench);
    const wav = writeToneWav(join(dir, 'tone1000.wav'), { frequency: 1000, seconds: 10, sampleRate: 8000 });
    phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, playWav: wav, recordWav: true });
    await gateway.waitRegistration('line-100', 'registered');
    await gateway.waitRegistration('line-101', 'registered');
  });
  after(async () => {
    for (const s of softphones) await s.close();
    await phone?.dispose();
    await bench?.dispose();
    await pbx?.dispose();
    await nats?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('baresip calls line 101: the gateway accepts and answers, audio flows both ways', async () => {
    const softphone = new WeriftPhone(pbxSoftphone);
    softphones.push(softphone);
    gateway.answerWith(softphone);
    await phone.dial(pbx.uri('101'));
    const offering = await gateway.waitEvent((e) => e.lineId === 'line-101' && e.state === 'offering', 'offering on line 101');
    assert.equal(offering.remoteNumber, '200');
    const callId = offering.callId;
    await gateway.waitCallState(callId, 'connected');
    await phone.waitFor('CALL_ESTABLISHED', { filter: (e) => e.direction === 'outgoing' });
    await softphone.connected();
    softphone.startTone(440);
    // 2.4 s of audio each way: baresip's recording of our tone is then well over the 1 s checked below.
    await check(() => softphone.received.length >= 120, 10_000, { name: '120 RTP packets from baresip at the softphone' });
    const heard = dominantFrequency(softphone.samples(10), CANDIDATES, 8000);
    assert.equal(heard.frequency, 1000, `the softphone hears baresip's ${heard.frequency} Hz`);
    await gateway.pbx('drop', { callId, reason: 'normal' });
    await gateway.waitCallState(callId, 'disconnected', 5000, (e) => e.cause === 'normal');
    await phone.waitFor('CALL_CLOSED');
    const recording = await recordingOf(phone, 1);
    const atPhone = dominantFrequency(trimSilence(readWav(recording.received).samples), CANDIDATES, 8000);
    assert.equal(atPhone.frequency, 440, `baresip heard ${atPhone.frequency} Hz`);
  });

  it('line 100 calls baresip: it answers, audio flows both ways, our BYE ends it', async () => {
    const softphone = new WeriftPhone(pbxSoftphone);
    softphones.push(softphone);
    const callId = randomUUID();
    await gateway.media(media.nodeId, 'softphoneOffer', { callId, sdp: await softphone.offer() });
    await gateway.pbx('makeCall', { callId, lineId: 'line-100', to: '200', mediaNodeId: media.nodeId, origin: 'softphone' });
    const connected = await gateway.waitCallState(callId, 'connected');
    assert.ok(connected.mediaPath, 'connected once the PBX answer is applied at the media node');
    await phone.waitFor('CALL_ESTABLISHED', { filter: (e) => e.direction === 'incoming' });
    const { sdp } = await gateway.media(media.nodeId, 'softphoneAnswer', { callId });
    await softphone.applyAnswer(sdp);
    await softphone.connected();
    softphone.startTone(440);
    // 2.4 s of audio each way: baresip's recording of our tone is then well over the 1 s checked below.
    await check(() => softphone.received.length >= 120, 10_000, { name: '120 RTP packets from baresip at the softphone' });
    assert.equal(dominantFrequency(softphone.samples(10), CANDIDATES, 8000).frequency, 1000);
    await gateway.pbx('drop', { callId, reason: 'normal' });
    await gateway.waitCallState(callId, 'disconnected');
    await phone.waitFor('CALL_CLOSED');
    const recording = await recordingOf(phone, 2);
    const atPhone = dominantFrequency(trimSilence(readWav(recording.received).samples), CANDIDATES, 8000);
    assert.equal(atPhone.frequency, 440, `baresip heard ${atPhone.frequency} Hz`);
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'connected', 'disconnected:normal']);
  });
});
