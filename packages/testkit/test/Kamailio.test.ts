import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Kamailio, RtpEndpoint, Sipp, header, parseSdp, sipPing, dominantFrequency, encodeWav, sine,
  tonePower, type SipMessage, type KamailioMode, type SippResult,
} from '@ucserver/testkit';

const TEST_TIMEOUT = 30_000;

function describeFailure(r: SippResult): string {
  const seen = r.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.startLine}`).join('\n');
  return `sipp exit ${r.exitCode}\n${seen}\n${r.log}`;
}

/** REGISTER `line` from a fresh local port; returns that port (a UAS started on it receives the calls). */
async function register(pbx: Kamailio, line: string, password = `pw${line}`, expires = 3600): Promise<SippResult> {
  return Sipp.run({ scenario: 'register', target: pbx, service: line, auth: { user: line, password }, vars: { expires } });
}

function received(r: { messages: SipMessage[] }, startsWith: string): SipMessage | undefined {
  return r.messages.find((m) => m.direction === 'received' && m.startLine.startsWith(startsWith));
}

for (const mode of ['direct-media', 'media-via-pbx'] as KamailioMode[]) {
  describe(`Kamailio (${mode})`, { timeout: 120_000 }, () => {
    let pbx: Kamailio;

    before(async () => {
      pbx = await Kamailio.start({ mode });
    });
    after(async () => {
      await pbx?.dispose();
    });

    it('start picks a free loopback port and answers OPTIONS with 200', { timeout: TEST_TIMEOUT }, async () => {
      assert.ok(pbx.port > 0);
      assert.equal(pbx.host, '127.0.0.1');
      assert.equal(pbx.url, `sip:127.0.0.1:${pbx.port}`);
      assert.equal(await sipPing(pbx.host, pbx.port), 200);
      assert.match(await pbx.rpc<string>('core.version'), /kamailio 5\./);
      assert.equal(pbx.rtpengine !== undefined, mode === 'media-via-pbx');
    });

    it('REGISTER with the right password is challenged (401) then accepted (200)', { timeout: TEST_TIMEOUT }, async () => {
      const r = await register(pbx, '100');
      assert.equal(r.exitCode, 0, describeFailure(r));
      assert.deepEqual(r.messages.filter((m) => m.direction === 'received').map((m) => m.status), [401, 200]);
      const challenge = header(received(r, 'SIP/2.0 401')!, 'WWW-Authenticate') ?? '';
      assert.match(challenge, /^Digest /);
      assert.match(challenge, /realm="127\.0\.0\.1"/);
      assert.match(challenge, /qop="auth"/);
      const contacts = await pbx.waitRegistered('100');
      assert.equal(contacts.length, 1);
      assert.match(contacts[0]!.address, new RegExp(`^sip:100@127\\.0\\.0\\.1:${r.localPort}`));
      assert.equal(contacts[0]!.received, `sip:127.0.0.1:${r.localPort}`);
    });

    it('REGISTER with a wrong password is refused with 403 and binds nothing', { timeout: TEST_TIMEOUT }, async () => {
      const r = await register(pbx, '102', 'not-the-password');
      assert.equal(r.exitCode, 1);
      assert.equal(r.stats?.failed, 1);
      assert.ok(received(r, 'SIP/2.0 401'), describeFailure(r));
      assert.ok(received(r, 'SIP/2.0 403'), describeFailure(r));
      assert.deepEqual(await pbx.contacts('102'), []);
    });

    it('REGISTER of an unknown line is refused with 403', { timeout: TEST_TIMEOUT }, async () => {
      const r = await register(pbx, '999', 'pw999');
      assert.equal(r.exitCode, 1);
      assert.ok(received(r, 'SIP/2.0 403'), describeFailure(r));
    });

    it('REGISTER of a rule-range line uses the password "pw" + line', { timeout: TEST_TIMEOUT }, async () => {
      const ok = await register(pbx, '10999');
      assert.equal(ok.exitCode, 0, describeFailure(ok));
      const wrong = await register(pbx, '1000', 'pw1001');
      assert.equal(wrong.exitCode, 1);
      assert.ok(received(wrong, 'SIP/2.0 403'));
      const outside = await register(pbx, '11000');
      assert.ok(received(outside, 'SIP/2.0 403'), 'line 11000 is outside the rule range');
    });

    it('REGISTER with Expires 0 removes the binding', { timeout: TEST_TIMEOUT }, async () => {
      const r = await register(pbx, '103');
      assert.equal(r.exitCode, 0, describeFailure(r));
      await pbx.waitRegistered('103');
      const un = await Sipp.run({ scenario: 'register', target: pbx, service: '103', auth: { user: '103', password: 'pw103' }, vars: { expires: 0 }, localPort: r.localPort });
      assert.equal(un.exitCode, 0, describeFailure(un));
      await pbx.waitUnregistered('103');
    });

    it('INVITE to an unknown line is answered 404 after authentication', { timeout: TEST_TIMEOUT }, async () => {
      const r = await Sipp.run({ scenario: 'uac', target: pbx, service: '555', auth: { user: '100', password: 'pw100' }, vars: { from: '100', rtpport: 40000, holdms: 0 } });
      assert.equal(r.exitCode, 1);
      assert.ok(received(r, 'SIP/2.0 407'), describeFailure(r));
      assert.ok(received(r, 'SIP/2.0 404'), describeFailure(r));
    });

    it('INVITE to a known line that is not registered is answered 480', { timeout: TEST_TIMEOUT }, async () => {
      const r = await Sipp.run({ scenario: 'uac', target: pbx, service: '1500', auth: { user: '100', password: 'pw100' }, vars: { from: '100', rtpport: 40000, holdms: 0 } });
      assert.equal(r.exitCode, 1);
      assert.ok(received(r, 'SIP/2.0 480'), describeFailure(r));
    });

    it('INVITE with wrong proxy credentials is refused with 403', { timeout: TEST_TIMEOUT }, async () => {
      const r = await Sipp.run({ scenario: 'uac', target: pbx, service: '101', auth: { user: '100', password: 'nope' }, vars: { from: '100', rtpport: 40000, holdms: 0 } });
      assert.equal(r.exitCode, 1);
      assert.ok(received(r, 'SIP/2.0 407'), describeFailure(r));
      assert.ok(received(r, 'SIP/2.0 403'), describeFailure(r));
    });

    it(`call 100 → 101 through the PBX connects, carries RTP and ends with BYE (${mode})`, { timeout: TEST_TIMEOUT }, async () => {
      const callee = await register(pbx, '101');
      assert.equal(callee.exitCode, 0, describeFailure(callee));
      const calleeMedia = await RtpEndpoint.open();
      const callerMedia = await RtpEndpoint.open();
      const uas = await Sipp.start({ scenario: 'uas', localPort: callee.localPort, vars: { rtpport: calleeMedia.port } });
      let uac: Sipp | undefined;
      try {
        const tone = encodeWav(sine({ frequency: 1000, seconds: 2 }), { sampleRate: 8000, format: 'pcmu' });
        uac = await Sipp.start({
          scenario: 'uac-rtp', target: pbx, service: '101', auth: { user: '100', password: 'pw100' },
          vars: { from: '100', rtpport: callerMedia.port, holdms: 1500 }, files: { 'uac.wav': tone },
        });
        // the callee has the offer: check the SDP while the call is up
        const invite = await uas.waitForMessage((m) => m.method === 'INVITE' && m.status === undefined, 10_000, 'the INVITE at the callee');
        const offer = parseSdp(invite.body).media[0]!;
        await calleeMedia.waitForPackets(25, 10_000);
        const callId = header(invite, 'Call-ID')!;
        if (mode === 'media-via-pbx') {
          const engine = pbx.rtpengine!;
          assert.equal(offer.address, '127.0.0.1');
          assert.notEqual(offer.port, callerMedia.port, 'the callee must be offered rtpengine, not the caller');
          assert.ok(offer.port >= engine.portMin && offer.port <= engine.portMax, `offer port ${offer.port} in rtpengine's range ${engine.portMin}-${engine.portMax}`);
          assert.match(invite.body, /^o=.* 127\.0\.0\.1\r?$/m);
          assert.ok((await engine.list()).includes(callId), `rtpengine holds call ${callId}`);
          const stats = await engine.query(callId);
          assert.ok(stats.rtp.packets >= 25, `rtpengine relayed ${stats.rtp.packets} RTP packets of the call`);
          // every packet at the callee came from rtpengine's port, not from SIPp's media port
          for (const source of calleeMedia.sources) {
            const port = Number(source.split(':')[1]);
            assert.ok(port >= engine.portMin && port <= engine.portMax, `RTP source ${source} is rtpengine`);
          }
        } else {
          assert.equal(offer.port, callerMedia.port, 'direct media: the callee gets the caller\'s own media port');
          assert.equal(offer.address, '127.0.0.1');
          assert.match(invite.body, /^o=sipp 1 \d IN IP4 127\.0\.0\.1\r?$/m, 'the caller\'s SDP is passed untouched');
        }
        const [uacResult, uasResult] = await Promise.all([uac.done, uas.done]);
        assert.equal(uacResult.exitCode, 0, describeFailure(uacResult));
        assert.equal(uasResult.exitCode, 0, describeFailure(uasResult));
        const answer = parseSdp(received(uacResult, 'SIP/2.0 200')!.body).media[0]!;
        if (mode === 'media-via-pbx') {
          assert.notEqual(answer.port, calleeMedia.port, 'the caller must get rtpengine\'s port in the answer');
        } else {
          assert.equal(answer.port, calleeMedia.port, 'direct media: the answer is the callee\'s own');
        }
        assert.ok(received(uacResult, 'SIP/2.0 407'), 'the INVITE from an unregistered source is challenged');
        assert.ok(uasResult.messages.some((m) => m.method === 'BYE' && m.direction === 'received'), 'BYE reached the callee');
        // the tone SIPp streamed arrives intact at the callee
        const samples = calleeMedia.samples(0);
        assert.equal(dominantFrequency(samples, [440, 1000, 1400], 8000).frequency, 1000);
        assert.ok(tonePower(samples, 1000, 8000) > 0.5, `1 kHz share ${tonePower(samples, 1000, 8000)}`);
      } finally {
        await uac?.dispose();
        await uas.dispose();
        await calleeMedia.close();
        await callerMedia.close();
      }
    });

    it(`re-INVITE moving the caller's media reaches the callee and the media follows (${mode})`, { timeout: TEST_TIMEOUT }, async () => {
      const callee = await register(pbx, '101');
      assert.equal(callee.exitCode, 0, describeFailure(callee));
      const calleeMedia = await RtpEndpoint.open();
      const callerFirst = await RtpEndpoint.open();
      const callerSecond = await RtpEndpoint.open();
      const uas = await Sipp.start({ scenario: 'uas', localPort: callee.localPort, vars: { rtpport: calleeMedia.port } });
      let uac: Sipp | undefined;
      try {
        uac = await Sipp.start({
          scenario: 'uac-reinvite', target: pbx, service: '101', auth: { user: '100', password: 'pw100' },
          vars: { from: '100', rtpport: callerFirst.port, rtpport2: callerSecond.port, holdms: 1000 },
        });
        const isInvite = (m: SipMessage): boolean => m.direction === 'received' && m.status === undefined && m.method === 'INVITE';
        const reinvite = await uas.waitForMessage((m) => isInvite(m) && (header(m, 'To') ?? '').includes('tag='), 10_000, 'the re-INVITE at the callee');
        const initial = uas.messages().find((m) => isInvite(m) && !(header(m, 'To') ?? '').includes('tag='))!;
        const [first, second] = [parseSdp(initial.body).media[0]!, parseSdp(reinvite.body).media[0]!];
        if (mode === 'direct-media') assert.equal(first.port, callerFirst.port);
        if (mode === 'media-via-pbx') {
          const engine = pbx.rtpengine!;
          assert.ok(second.port >= engine.portMin && second.port <= engine.portMax, `re-offer port ${second.port} is rtpengine's`);
          assert.notEqual(second.port, callerSecond.port, 'the callee is not told the caller\'s own new port');
          assert.match(reinvite.body, /^o=.* 3 IN IP4 127\.0\.0\.1\r?$/m, 'the new SDP version is passed on');
          // once the re-INVITE is answered, the callee's media reaches the caller's new port through rtpengine
          await uac.waitForMessage((m) => m.status === 200 && header(m, 'CSeq') === '5 INVITE', 5000, 'the 200 to the re-INVITE');
          const sending = calleeMedia.stream({ address: '127.0.0.1', port: second.port }, sine({ frequency: 1000, seconds: 0.4 }));
          await sending.done;
          await callerSecond.waitForPackets(10, 5000);
          assert.equal(callerFirst.packets.length, 0, 'nothing goes to the old port');
        } else {
          assert.equal(second.port, callerSecond.port, 'direct media: the callee gets the caller\'s new port');
        }
        const [uacResult, uasResult] = await Promise.all([uac.done, uas.done]);
        assert.equal(uacResult.exitCode, 0, describeFailure(uacResult));
        assert.equal(uasResult.exitCode, 0, describeFailure(uasResult));
      } finally {
        await uac?.dispose();
        await uas.dispose();
        await Promise.all([calleeMedia.close(), callerFirst.close(), callerSecond.close()]);
      }
    });

    it('INVITE from the address a line registered from is not challenged', { timeout: TEST_TIMEOUT }, async () => {
      const callee = await register(pbx, '101');
      assert.equal(callee.exitCode, 0, describeFailure(callee));
      const caller = await register(pbx, '100');
      assert.equal(caller.exitCode, 0, describeFailure(caller));
      const media = await RtpEndpoint.open();
      const uas = await Sipp.start({ scenario: 'uas', localPort: callee.localPort, vars: { rtpport: media.port } });
      try {
        const uac = await Sipp.run({ scenario: 'uac', target: pbx, service: '101', localPort: caller.localPort, vars: { from: '100', rtpport: 40000, holdms: 200 } });
        assert.equal(uac.exitCode, 0, describeFailure(uac));
        assert.equal(received(uac, 'SIP/2.0 407'), undefined, 'no 407 for a registered source');
        assert.equal((await uas.done).exitCode, 0);
      } finally {
        await uas.dispose();
        await media.close();
      }
    });
  });
}

describe('Kamailio options', { timeout: 60_000 }, () => {
  it('start with users replaces the default lines', { timeout: TEST_TIMEOUT }, async () => {
    const pbx = await Kamailio.start({ mode: 'direct-media', users: { alice: 'wonder"land', '300': 's3cret' } });
    try {
      assert.equal((await register(pbx, 'alice', 'wonder"land')).exitCode, 0);
      assert.equal((await register(pbx, '300', 's3cret')).exitCode, 0);
      const gone = await register(pbx, '100');
      assert.ok(received(gone, 'SIP/2.0 403'), 'line 100 is not in the custom users');
    } finally {
      await pbx.dispose();
    }
  });

  it('start with a domain serves it as realm and alias', { timeout: TEST_TIMEOUT }, async () => {
    const pbx = await Kamailio.start({ mode: 'direct-media', domain: 'pbx.test', lineRange: { min: 5000, max: 5009, passwordPrefix: 'bench-' } });
    try {
      assert.equal(pbx.domain, 'pbx.test');
      const r = await register(pbx, '5009', 'bench-5009');
      assert.equal(r.exitCode, 0, describeFailure(r));
      assert.match(header(received(r, 'SIP/2.0 401')!, 'WWW-Authenticate') ?? '', /realm="pbx\.test"/);
    } finally {
      await pbx.dispose();
    }
  });

  it('two instances run side by side on different ports', { timeout: TEST_TIMEOUT }, async () => {
    const [a, b] = await Promise.all([Kamailio.start({ mode: 'direct-media' }), Kamailio.start({ mode: 'media-via-pbx' })]);
    try {
      assert.notEqual(a.port, b.port);
      assert.equal(await sipPing(a.host, a.port), 200);
      assert.equal(await sipPing(b.host, b.port), 200);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
    assert.equal(a.process?.running, false);
    assert.equal(b.process?.running, false);
    assert.equal(b.rtpengine?.process?.running, false, 'the rtpengine a Kamailio started is stopped with it');
  });
});
