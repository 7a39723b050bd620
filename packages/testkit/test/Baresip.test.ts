import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Baresip, check, Kamailio, RtpEndpoint, Sipp, header, parseSdp, dominantFrequency, readWav, sine,
  tonePower, trimSilence, writeToneWav, type BaresipEvent, type BaresipEventType, type KamailioMode, type SippOptions, type SippResult,
} from '@ucserver/testkit';

const TEST_TIMEOUT = 30_000;
const CANDIDATES = [440, 697, 1000, 1400];

function describeFailure(r: SippResult): string {
  return `sipp exit ${r.exitCode}\n${r.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.startLine}`).join('\n')}\n${r.log}`;
}

/** SIPp's `uac` scenario: line 100 calls the desk phone (line 200), RTP at `rtpport`, hangs up `holdms` after the answer. */
function uacTo200(pbx: Kamailio, rtpport: number, holdms: number): SippOptions {
  return { scenario: 'uac', target: pbx, service: '200', auth: { user: '100', password: 'pw100' }, vars: { from: '100', rtpport, holdms } };
}

/** The desk phone's next `type` event, which must be of an incoming call from line 100. */
async function callFrom100(phone: Baresip, type: BaresipEventType): Promise<BaresipEvent> {
  const event = await phone.waitFor(type);
  assert.equal(event.direction, 'incoming');
  assert.match(event.peeruri ?? '', /^sip:100@/);
  return event;
}

for (const mode of ['media-via-pbx', 'direct-media'] as KamailioMode[]) {
  describe(`Baresip desk phone at Kamailio (${mode})`, { timeout: 120_000 }, () => {
    let pbx: Kamailio;
    let phone: Baresip;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ucs-baresip-test-'));
      pbx = await Kamailio.start({ mode });
      const wav = writeToneWav(join(dir, 'tone1000.wav'), { frequency: 1000, seconds: 10, sampleRate: 8000 });
      phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, playWav: wav, recordWav: true });
    });
    after(async () => {
      await phone?.dispose();
      await pbx?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('start registers line 200 at the PBX from its own SIP port', { timeout: TEST_TIMEOUT }, async () => {
      const contacts = await pbx.waitRegistered('200');
      assert.equal(contacts.length, 1);
      assert.match(contacts[0]!.address, new RegExp(`^sip:200-?[^@]*@127\\.0\\.0\\.1:${phone.sipPort}`));
      assert.match(contacts[0]!.userAgent ?? '', /baresip/);
    });

    it('call from SIPp is auto-answered and the tones cross both ways', { timeout: TEST_TIMEOUT }, async () => {
      const media = await RtpEndpoint.open();
      let uac: Sipp | undefined;
      try {
        uac = await Sipp.start(uacTo200(pbx, media.port, 3000));
        const established = await callFrom100(phone, 'CALL_ESTABLISHED');
        // the caller's side: send a 440 Hz tone from the announced port to the answer's address
        const ok = await uac.waitForMessage((m) => m.status === 200 && m.method === 'INVITE', 5000, 'the 200 OK at the caller');
        const answer = parseSdp(ok.body).media[0]!;
        const sending = media.stream({ address: answer.address, port: answer.port }, sine({ frequency: 440, seconds: 2 }));
        await media.waitForPackets(50, 10_000);
        assert.ok((await sending.done) >= 90);
        const result = await uac.done;
        assert.equal(result.exitCode, 0, describeFailure(result));
        const closed = await phone.waitFor('CALL_CLOSED');
        assert.equal(closed.id, established.id);

        // what the caller received: baresip's 1 kHz WAV
        const samples = media.samples(0);
        const dominant = dominantFrequency(samples, CANDIDATES, 8000);
        assert.equal(dominant.frequency, 1000, `dominant ${dominant.frequency} Hz, shares ${JSON.stringify([...dominant.powers])}`);
        assert.ok(dominant.power > 0.5, `1 kHz share ${dominant.power}`);
        const engine = pbx.rtpengine;
        if (engine) {
          assert.ok(answer.port >= engine.portMin && answer.port <= engine.portMax, `answer port ${answer.port} is rtpengine's`);
          const stats = await engine.query(header(ok, 'Call-ID')!);
          assert.ok(stats.rtp.packets >= 150, `rtpengine relayed ${stats.rtp.packets} packets both ways`);
          for (const s of media.sources) assert.equal(Number(s.split(':')[1]), answer.port, 'RTP came from rtpengine');
        } else {
          assert.deepEqual(media.sources, [`127.0.0.1:${answer.port}`], 'direct media: RTP came from baresip\'s own port');
        }

        // what baresip received: the 440 Hz tone, in its recording
        const recording = await waitForRecording(phone);
        const heardSamples = trimSilence(readWav(recording.received).samples);
        assert.ok(heardSamples.length > 8000, `recording has ${heardSamples.length} samples`);
        const heard = dominantFrequency(heardSamples, CANDIDATES, 8000);
        assert.equal(heard.frequency, 440, `baresip heard ${heard.frequency} Hz, shares ${JSON.stringify([...heard.powers])}`);
        assert.ok(heard.power > 0.5, `440 Hz share ${heard.power}`);
        const sent = readWav(recording.sent).samples;
        assert.ok(tonePower(sent, 1000, 8000) > 0.5, 'the sent-audio recording is the 1 kHz WAV');
      } finally {
        await uac?.dispose();
        await media.close();
      }
    });
  });
}

async function waitForRecording(phone: Baresip): Promise<{ received: string; sent: string }> {
  return check(() => {
    const last = phone.recordings().at(-1);
    if (!last) return undefined;
    return readWav(last.received).samples.length > 8000 ? last : undefined;
  }, 5000, { name: `a recording of more than 1 s in ${phone.dir}/recordings` });
}

describe('Baresip audio sources', { timeout: 120_000 }, () => {
  let pbx: Kamailio;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-baresip-test-'));
    pbx = await Kamailio.start({ mode: 'direct-media' });
  });
  after(async () => {
    await pbx?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Calls line 200 from SIPp for `holdms`, sending a 440 Hz tone; returns what came back per 0.5 s. */
  async function callAndListen(phone: Baresip, holdms: number): Promise<{ result: SippResult; halves: Int16Array[] }> {
    const media = await RtpEndpoint.open();
    const uac = await Sipp.start(uacTo200(pbx, media.port, holdms));
    try {
      const ok = await uac.waitForMessage((m) => m.status === 200 && m.method === 'INVITE', 5000, 'the 200 OK at the caller');
      const answer = parseSdp(ok.body).media[0]!;
      media.stream({ address: answer.address, port: answer.port }, sine({ frequency: 440, seconds: holdms / 1000 }));
      const result = await uac.done;
      const samples = media.samples(0);
      const halves: Int16Array[] = [];
      for (let at = 0; at + 4000 <= samples.length; at += 4000) halves.push(samples.subarray(at, at + 4000));
      return { result, halves };
    } finally {
      await uac.dispose();
      await media.close();
    }
  }

  it('playWav shorter than the call is repeated, so the call is not ended by the end of the file', { timeout: TEST_TIMEOUT }, async () => {
    const wav = writeToneWav(join(dir, 'short.wav'), { frequency: 1000, seconds: 0.5 });
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, playWav: wav });
    try {
      const { result, halves } = await callAndListen(phone, 2500);
      assert.equal(result.exitCode, 0, describeFailure(result));
      assert.ok(halves.length >= 4, `${halves.length} half-seconds of audio`);
      for (const [i, half] of halves.entries()) assert.ok(tonePower(half, 1000, 8000) > 0.9, `1 kHz in half-second ${i}`);
      assert.equal(phone.events.some((e) => e.type === 'AUDIO_ERROR'), false);
    } finally {
      await phone.dispose();
    }
  });

  it('echo sends back the audio it receives', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, echo: true });
    try {
      const { result, halves } = await callAndListen(phone, 2000);
      assert.equal(result.exitCode, 0, describeFailure(result));
      const echoed = halves.find((h) => tonePower(h, 440, 8000) > 0.6);
      assert.ok(echoed, `the 440 Hz tone came back (shares: ${halves.map((h) => tonePower(h, 440, 8000).toFixed(2)).join(', ')})`);
    } finally {
      await phone.dispose();
    }
  });
});

describe('Baresip ctrl_tcp', { timeout: 120_000 }, () => {
  let pbx: Kamailio;

  before(async () => {
    pbx = await Kamailio.start({ mode: 'media-via-pbx' });
  });
  after(async () => {
    await pbx?.dispose();
  });

  it('manual answer reports CALL_INCOMING, connects on accept and reports the remote BYE as CALL_CLOSED', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, answerMode: 'manual' });
    const media = await RtpEndpoint.open();
    let uac: Sipp | undefined;
    try {
      uac = await Sipp.start(uacTo200(pbx, media.port, 500));
      const incoming = await callFrom100(phone, 'CALL_INCOMING');
      await uac.waitForMessage((m) => m.status === 180, 5000, '180 Ringing at the caller');
      assert.equal(uac.messages().some((m) => m.status === 200 && m.method === 'INVITE'), false, 'not answered before accept');
      await phone.accept();
      const established = await phone.waitFor('CALL_ESTABLISHED');
      assert.equal(established.id, incoming.id);
      const closed = await phone.waitFor('CALL_CLOSED');
      assert.equal(closed.id, incoming.id);
      const result = await uac.done;
      assert.equal(result.exitCode, 0, describeFailure(result));
    } finally {
      await uac?.dispose();
      await media.close();
      await phone.dispose();
    }
  });

  it('CANCEL of a ringing call reaches the phone as CALL_CLOSED, the caller gets 487 and rtpengine frees the call', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, answerMode: 'manual' });
    try {
      const engine = pbx.rtpengine!;
      const before = await engine.totals();
      const run = Sipp.run({
        scenario: 'uac-cancel', target: pbx, service: '200', auth: { user: '100', password: 'pw100' },
        vars: { from: '100', rtpport: 40000, holdms: 300 },
      });
      const incoming = await phone.waitFor('CALL_INCOMING');
      const closed = await phone.waitFor('CALL_CLOSED');
      assert.equal(closed.id, incoming.id);
      const result = await run;
      assert.equal(result.exitCode, 0, describeFailure(result));
      const statuses = [...new Set(result.messages.filter((m) => m.direction === 'received').map((m) => m.status))];
      assert.deepEqual(statuses.filter((s) => s !== 100), [407, 180, 200, 487], 'retransmissions aside');
      const after = await check(async () => {
        const t = await engine.totals();
        return t.deletes > before.deletes ? t : undefined;
      }, 3000, { name: 'rtpengine counting the delete of the cancelled call' });
      assert.ok(after.offers > before.offers, 'the INVITE was offered to rtpengine');
    } finally {
      await phone.dispose();
    }
  });

  it('a phone registered over TCP is called over its registration connection', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx, transport: 'tcp' });
    const media = await RtpEndpoint.open();
    try {
      const [binding] = await pbx.waitRegistered('200');
      assert.match(binding!.address, /transport=tcp/i);
      assert.match(binding!.received ?? '', /^sip:127\.0\.0\.1:\d+;transport=tcp$/);
      const result = await Sipp.run(uacTo200(pbx, media.port, 300));
      assert.equal(result.exitCode, 0, describeFailure(result));
      const established = await phone.waitFor('CALL_ESTABLISHED');
      assert.equal(established.direction, 'incoming');
      await phone.waitFor('CALL_CLOSED');
    } finally {
      await media.close();
      await phone.dispose();
    }
  });

  it('dial calls a registered SIPp line through the PBX and hangup ends it with BYE', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await Baresip.start({ user: '200', password: 'pw200', registrar: pbx });
    const media = await RtpEndpoint.open();
    const reg = await Sipp.run({ scenario: 'register', target: pbx, service: '101', auth: { user: '101', password: 'pw101' }, vars: { expires: 3600 } });
    assert.equal(reg.exitCode, 0, describeFailure(reg));
    const uas = await Sipp.start({ scenario: 'uas', localPort: reg.localPort, vars: { rtpport: media.port } });
    try {
      await phone.dial(pbx.uri('101'));
      const ringing = await phone.waitFor('CALL_RINGING');
      assert.equal(ringing.direction, 'outgoing');
      await phone.waitFor('CALL_ESTABLISHED');
      await media.waitForPackets(10, 5000);
      await phone.hangup();
      const closed = await phone.waitFor('CALL_CLOSED');
      assert.equal(closed.id, ringing.id);
      const result = await uas.done;
      assert.equal(result.exitCode, 0, describeFailure(result));
      assert.ok(result.messages.some((m) => m.direction === 'received' && m.method === 'BYE'), 'the callee got the BYE');
    } finally {
      await uas.dispose();
      await media.close();
      await phone.dispose();
    }
    assert.equal(phone.process?.running, false);
    await pbx.waitUnregistered('200');
  });
});
