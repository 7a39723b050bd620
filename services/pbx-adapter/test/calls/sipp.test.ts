// SIPp as the PBX, talking to the adapter directly: challenges, busy, CANCEL racing 200, a PBX that
// never answers, re-INVITE and UPDATE holds, lost packets, INFO DTMF, refusals and redirects. The
// gateway is played on the bus, the real media service answers the SDP.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { BusRemoteError, CallTopics } from '@ucserver/shared';
import { check, dominantFrequency, encodeWav, freePort, header, NatsServer, sine, Sipp, type SipMessage, type SippResult } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import { CallBench } from '../support/CallBench.ts';
import { testLine, type Gateway } from '../support/Gateway.ts';
import type { MediaService } from '../support/MediaService.ts';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { pbxSoftphone } from '../support/softphone.ts';
import { StubRegistrar } from '../support/StubRegistrar.ts';

const scenario = (name: string): string => fileURLToPath(new URL(`../fixtures/sipp/${name}.xml`, import.meta.url));

const describeRun = (r: SippResult): string =>
  `sipp exit ${r.exitCode}\n${r.messages.map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.startLine}`).join('\n')}\n${r.log}`;

const sent = (r: { messages: SipMessage[] }, method: string): SipMessage[] => r.messages.filter((m) => m.direction === 'received' && m.method === method && m.status === undefined);
const statusesReceived = (r: { messages: SipMessage[] }): number[] => r.messages.filter((m) => m.direction === 'received' && m.status !== undefined).map((m) => m.status!);

describe('SIPp as the PBX', { timeout: 120_000 }, () => {
  let nats: NatsServer;
  let bench: CallBench;
  let gateway: Gateway;
  let media: MediaService;
  let adapter: PbxAdapterApp;
  const phones: WeriftPhone[] = [];
  let mediaPort: number;
  let registrar: StubRegistrar;

  before(async () => {
    nats = await NatsServer.start();
    // Line 101 takes the calls of the SIPp UACs below: it needs a live binding (a registrar accepting it).
    registrar = await StubRegistrar.start();
    // T1 = 100 ms: Timer B (64·T1) fires after 6.4 s for the PBX that never answers, before the 8 s
    // SIP_INVITE_TIMEOUT_S guard that cancels the call that only rings.
    bench = await CallBench.start({ natsUrl: nats.url, lines: [testLine({ number: '101', registrar: registrar.address })], env: { SIP_INVITE_TIMEOUT_S: '8' }, deps: { sipTimers: { T1: 100, T2: 800 } } });
    ({ gateway, media, adapter } = bench);
    await adapter.linesSynced;
    await gateway.waitRegistration('line-101', 'registered', 10_000);
    mediaPort = await freePort({ count: 2, even: true });
  });
  after(async () => {
    for (const p of phones) await p.close();
    await bench?.dispose();
    await nats?.dispose();
    await registrar?.close();
  });

  /** A PBX (SIPp UAS) at which a new line registers; resolves once it is registered there, and stops with the test `t`. */
  async function pbxWithLine(t: TestContext, name: string, number: string, vars: Record<string, string> = {}, calls = 2): Promise<Sipp> {
    const sipp = await Sipp.start({ scenario: scenario(name), calls, vars, args: ['-mp', String(mediaPort)], timeoutMs: 30_000 });
    t.after(() => sipp.dispose());
    const mark = gateway.registrations.length;
    gateway.upsert(testLine({ number, registrar: `127.0.0.1:${sipp.localPort}` }));
    await gateway.waitRegistration(`line-${number}`, 'registered', 10_000, mark);
    return sipp;
  }

  /** What the gateway does for a softphone call: softphone offer at the media node, then makeCall. */
  async function dial(lineNumber: string, to: string): Promise<string> {
    const callId = randomUUID();
    const phone = new WeriftPhone(pbxSoftphone);
    phones.push(phone);
    await gateway.media(media.nodeId, 'softphoneOffer', { callId, sdp: await phone.offer() });
    await gateway.pbx('makeCall', { callId, lineId: `line-${lineNumber}`, to, mediaNodeId: media.nodeId, origin: 'softphone' });
    return callId;
  }

  /** The gateway accepts every incoming call and the "client" alerts and answers at once. */
  function autoAnswer(): void {
    gateway.acceptThen((callId) => gateway.alertAndAnswer(callId));
  }

  /** SIPp calls line 101 with scenario `name` and the gateway answers; resolves with the call's bus id once SIPp passed. */
  async function answeredCallFromPbx(name: string): Promise<string> {
    autoAnswer();
    const result = await callFromPbx(name);
    assert.equal(result.exitCode, 0, describeRun(result));
    return gateway.incoming.at(-1)!.callId;
  }

  async function callFromPbx(name: string, options: { vars?: Record<string, string | number>; args?: string[]; calls?: number; rate?: number; files?: Record<string, Buffer> } = {}): Promise<SippResult> {
    const target = adapter.sipAddress('udp');
    return Sipp.run({
      scenario: scenario(name),
      target: `${target.host}:${target.port}`,
      service: '101',
      vars: { from: '200', ...options.vars },
      calls: options.calls ?? 1,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      ...(options.files ? { files: options.files } : {}),
      args: ['-mp', String(mediaPort), ...(options.args ?? [])],
      timeoutMs: 30_000,
    });
  }

  it('makeCall answers a 407 with digest credentials, rings, connects and hangs up with BYE; the next call answers that challenge at once', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-407-answer', '102', {}, 3);
    const callId = await dial('102', '555');
    await gateway.waitCallState(callId, 'ringback');
    const connected = await gateway.waitCallState(callId, 'connected');
    assert.equal(connected.mediaPath, 'pbx');
    await gateway.pbx('drop', { callId, reason: 'normal' });
    await gateway.waitCallState(callId, 'disconnected', 5000, (e) => e.cause === 'normal');
    // The line's next call: its first INVITE carries the answer to the last challenge (RFC 3261 §22.3).
    const again = await dial('102', '556');
    await gateway.waitCallState(again, 'connected');
    await gateway.pbx('drop', { callId: again, reason: 'normal' });
    await gateway.waitCallState(again, 'disconnected', 5000, (e) => e.cause === 'normal');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    const [first, second, third, fourth] = sent(result, 'INVITE');
    assert.ok(third && fourth, describeRun(result));
    assert.equal(header(first!, 'Proxy-Authorization'), undefined, 'the first INVITE of the line has nothing to answer');
    const challenge1 = /nonce="([^"]+)"/.exec(header(result.messages.filter((m) => m.status === 407)[0]!, 'Proxy-Authenticate') ?? '')?.[1];
    const preemptive = header(third, 'Proxy-Authorization') ?? '';
    assert.equal(/nonce="([^"]*)"/.exec(preemptive)?.[1], challenge1, 'the second call answers the first call\'s challenge');
    assert.equal(/uri="([^"]*)"/.exec(preemptive)?.[1], `sip:556@127.0.0.1:${sipp.localPort}`, 'for its own Request-URI');
    // SIPp challenges every INVITE: the call answers the new challenge as before.
    assert.notEqual(/nonce="([^"]*)"/.exec(header(fourth, 'Proxy-Authorization') ?? '')?.[1], challenge1);
    assert.ok(first && second, describeRun(result));
    assert.equal(first.startLine, `INVITE sip:555@127.0.0.1:${sipp.localPort} SIP/2.0`);
    assert.match(header(first, 'From') ?? '', /^"Line 102" <sip:102@127\.0\.0\.1>;tag=/);
    assert.equal(header(first, 'To'), `<sip:555@127.0.0.1:${sipp.localPort}>`);
    assert.equal(header(first, 'Contact'), `<sip:102@127.0.0.1:${adapter.sipAddress('udp').port};transport=udp>`);
    assert.equal(header(first, 'Supported'), 'timer');
    assert.equal(header(first, 'Session-Expires'), '1800');
    assert.equal(header(first, 'User-Agent'), 'ucserver-pbx-adapter');
    // The media mark: an INVITE that comes back to us for one of our lines is placed on this leg's node.
    assert.equal(header(first, 'X-UCS-Media'), `${media.nodeId};call=${callId}`);
    assert.equal(header(second, 'X-UCS-Media'), `${media.nodeId};call=${callId}`, 'kept in the INVITE with credentials');
    // The digest, recomputed independently (RFC 2617 §3.2.2.1 without qop): MD5(HA1:nonce:HA2).
    const auth = header(second, 'Proxy-Authorization') ?? '';
    const field = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(auth)?.[1] ?? '';
    const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
    assert.deepEqual([field('username'), field('realm'), field('uri')], ['102', 'sipp.test', `sip:555@127.0.0.1:${sipp.localPort}`]);
    assert.equal(field('response'), md5(`${md5('102:sipp.test:pw102')}:${field('nonce')}:${md5(`INVITE:${field('uri')}`)}`));
    assert.equal(header(second, 'CSeq'), '2 INVITE');
    assert.equal(header(second, 'Call-ID'), header(first, 'Call-ID'));
    assert.equal(sent(result, 'BYE').length, 2);
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'connected', 'disconnected:normal']);
  });

  it('makeCall to a busy callee ends with cause busy and the 486 as sipStatus', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-busy', '103');
    const callId = await dial('103', '556');
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.equal(ended.cause, 'busy');
    assert.equal(ended.sipStatus, 486);
    assert.equal(ended.sipReason, 'Busy Here');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'disconnected:busy']);
  });

  it('drop while ringing sends CANCEL; a 200 racing it is ACKed and ended with BYE', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-cancel-race', '104');
    const callId = await dial('104', '557');
    await gateway.waitCallState(callId, 'ringback');
    await gateway.pbx('drop', { callId, reason: 'normal' });
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.equal(ended.cause, 'cancelled');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.equal(sent(result, 'CANCEL').length >= 1, true);
    assert.equal(sent(result, 'ACK').length >= 1, true, 'the racing 200 was ACKed');
    assert.equal(sent(result, 'BYE').length, 1, 'and ended with BYE');
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'disconnected:cancelled']);
  });

  it('hold and retrieve send re-INVITEs (sendonly, sendrecv); redirect transfers with REFER and leaves after NOTIFY 200', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-answer-hold-refer', '107');
    const callId = await dial('107', '555');
    await gateway.waitCallState(callId, 'connected');
    await gateway.pbx('hold', { callId, hold: true });
    await gateway.waitCallState(callId, 'held', 5000, (e) => e.hold === 'local');
    await gateway.pbx('hold', { callId, hold: false });
    await gateway.waitEvent((e) => e.callId === callId && e.state === 'connected' && e.seq > 4, 'connected after retrieve');
    await gateway.pbx('redirect', { callId, target: '777' });
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.equal(ended.cause, 'redirected');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    const refer = sent(result, 'REFER')[0]!;
    assert.equal(header(refer, 'Refer-To'), `<sip:777@127.0.0.1:${sipp.localPort}>`);
    assert.equal(header(refer, 'Referred-By'), '<sip:107@127.0.0.1>');
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'connected', 'held:local', 'connected', 'disconnected:redirected']);
  });

  it('a 3xx is followed once (same Call-ID, CSeq + 1); a second 3xx ends the call as redirected', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-redirect', '108');
    const callId = await dial('108', '559');
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.deepEqual([ended.cause, ended.sipStatus], ['redirected', 302]);
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    const [first, second] = sent(result, 'INVITE');
    assert.equal(second!.startLine, `INVITE sip:888@127.0.0.1:${sipp.localPort} SIP/2.0`);
    assert.equal(header(second!, 'Call-ID'), header(first!, 'Call-ID'));
    assert.equal(header(second!, 'CSeq'), '2 INVITE');
  });

  it('an unanswered call is cancelled after SIP_INVITE_TIMEOUT_S with cause no-answer', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-ring-forever', '109');
    const callId = await dial('109', '560');
    await gateway.waitCallState(callId, 'ringback');
    const ended = await gateway.waitCallState(callId, 'disconnected', 10_000);
    assert.deepEqual([ended.cause, ended.sipStatus], ['no-answer', 487]);
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.equal(sent(result, 'CANCEL').length, 1);
  });

  it('a PBX that never answers: the INVITE is retransmitted and Timer B ends the call with cause timeout', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-silent', '105');
    const callId = await dial('105', '558');
    const ended = await gateway.waitCallState(callId, 'disconnected', 10_000);
    assert.equal(ended.cause, 'timeout');
    assert.equal(ended.sipStatus, 408);
    const invites = sipp.messages().filter((m) => m.direction === 'received' && m.method === 'INVITE');
    assert.ok(invites.length >= 5, `INVITE retransmitted (Timer A): ${invites.length} copies`);
    const metrics = (await adapter.http.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /ucserver_pbx_adapter_sip_transaction_timeouts_total\{method="INVITE",timer="B",service="pbx-adapter"\} 1/);
    assert.match(metrics, /ucserver_pbx_adapter_call_setup_outcomes_total\{direction="outbound",outcome="timeout",service="pbx-adapter"\} 1/);
  });

  it('a re-INVITE from the PBX holds the call (held remote) and another resumes it', async () => {
    const callId = await answeredCallFromPbx('uac-reinvite-hold');
    await gateway.waitCallState(callId, 'disconnected');
    assert.deepEqual(gateway.timeline(callId), ['offering', 'connected', 'held:remote', 'connected', 'disconnected:normal']);
    const offering = gateway.callEvents(callId)[0]!;
    assert.deepEqual([offering.remoteNumber, offering.remoteName, offering.direction], ['200', 'PBX caller', 'inbound']);
  });

  it('an INVITE without SDP gets the media offer in the 200; the answer in the ACK connects the call, and the softphone hears the PBX', async () => {
    const phone = new WeriftPhone(pbxSoftphone);
    phones.push(phone);
    // The gateway offers the call to a softphone before the PBX has answered our offer.
    gateway.answerWith(phone);
    const tone = encodeWav(sine({ frequency: 1000, seconds: 2 }), { sampleRate: 8000, format: 'pcmu' });
    // SIPp streams the (looped) tone from its ACK for holdms, then hangs up; the softphone hears it only once
    // its ICE and DTLS are up, which on a loaded machine took most of a 3 s call: 8 s leaves room for 50 packets.
    // A call of an earlier test may not have its 'disconnected' here yet: only a call id never seen is this one's.
    const earlier = new Set(gateway.events.map((e) => e.callId));
    const running = callFromPbx('uac-late-offer', { vars: { holdms: 8000 }, files: { 'uac.wav': tone } });
    const offering = await gateway.waitEvent((e) => e.state === 'offering' && !earlier.has(e.callId), 'the late-offer call offered');
    assert.equal(offering.mediaPath, undefined, 'no media path before the answer');
    const connected = await gateway.waitCallState(offering.callId, 'connected');
    assert.equal(connected.mediaPath, 'pbx');
    await check(() => phone.received.length >= 50, 8000, { name: `50 RTP packets from SIPp at the softphone (have ${phone.received.length})` });
    assert.equal(dominantFrequency(phone.samples(), [440, 1000, 1400], 8000).frequency, 1000);
    const result = await running;
    assert.equal(result.exitCode, 0, describeRun(result));
    await gateway.waitCallState(offering.callId, 'disconnected');
    assert.deepEqual(gateway.timeline(offering.callId), ['offering', 'connected', 'disconnected:normal']);
  });

  it('a late offer whose ACK has no answer is hung up with BYE', async () => {
    const callId = await answeredCallFromPbx('uac-late-offer-no-answer');
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.equal(ended.cause, 'error');
    await check(() => gateway.mediaEvents.some((e) => e.type === 'closed' && e.callId === callId), 5000, { name: 'media closed' });
  });

  it('an UPDATE with SDP holds and resumes; an UPDATE without SDP refreshes the session', async () => {
    const callId = await answeredCallFromPbx('uac-update');
    await gateway.waitCallState(callId, 'disconnected');
    assert.deepEqual(gateway.timeline(callId), ['offering', 'connected', 'held:remote', 'connected', 'disconnected:normal']);
  });

  it('as session refresher (RFC 4028, refresher=uac in the 200) the adapter refreshes with UPDATE at half the interval', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-session-timer', '107', { se: '4;refresher=uac' });
    const callId = await dial('107', '555');
    await gateway.waitCallState(callId, 'connected');
    const connectedAt = Date.now();
    // A 4 s interval: refreshes at ~2 s and ~4 s after the answer.
    await check(() => sipp.messages().filter((m) => m.direction === 'received' && m.method === 'UPDATE').length >= 2, 8000, { name: 'two session refreshes at the PBX' });
    const elapsed = Date.now() - connectedAt;
    assert.ok(elapsed >= 3000, `two refreshes need two half-intervals (${elapsed} ms)`);
    const update = sipp.messages().find((m) => m.direction === 'received' && m.method === 'UPDATE')!;
    assert.match(header(update, 'Session-Expires') ?? '', /;refresher=uac$/);
    assert.equal(header(update, 'Supported'), 'timer');
    // still the same call, still up
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'connected']);
    await gateway.pbx('drop', { callId, reason: 'normal' });
    await gateway.waitCallState(callId, 'disconnected', 5000, (e) => e.cause === 'normal');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
  });

  it('when the PBX is the refresher (refresher=uas) and never refreshes, the adapter ends the call with BYE before the interval ends', async (t) => {
    const sipp = await pbxWithLine(t, 'uas-session-timer', '108', { se: '6;refresher=uas' });
    const callId = await dial('108', '555');
    await gateway.waitCallState(callId, 'connected');
    const connectedAt = Date.now();
    // RFC 4028 §10: BYE at the interval minus min(32, interval / 3) = 4 s.
    const ended = await gateway.waitCallState(callId, 'disconnected', 10_000);
    const elapsed = Date.now() - connectedAt;
    assert.equal(ended.cause, 'timeout');
    assert.ok(elapsed >= 3500 && elapsed < 8000, `BYE after ${elapsed} ms, expected ~4000`);
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.equal(sent(result, 'UPDATE').length, 0, 'the adapter does not refresh when the PBX is the refresher');
    assert.equal(sent(result, 'BYE').length, 1);
  });

  it('with 10 % of the packets lost every call still completes by retransmission', async () => {
    autoAnswer();
    const before = gateway.incoming.length;
    // This adapter runs on T1 = 100 ms, so its BYE transactions absorb retransmissions for 64·T1 = 6.4 s
    // (Timer J); SIPp's T1 is 500 ms and its 7 BYE retransmissions, capped at T2 = 4 s, would run 19.5 s: a
    // BYE whose 200 was lost four times came after Timer J and got 481 (about 1 run in 25 under load).
    // T2 = 800 ms ends them within 5.3 s, as two ends with the same T1 would.
    const result = await callFromPbx('uac-call', { vars: { holdms: 300 }, args: ['-lost', '10', '-T2', '800'], calls: 6, rate: 6 });
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.equal(result.stats?.successful, 6);
    const calls = gateway.incoming.slice(before).map((r) => r.callId);
    assert.equal(calls.length >= 6, true, `${calls.length} incoming calls`);
    for (const id of calls) await gateway.waitCallState(id, 'disconnected', 15_000);
    assert.equal(adapter.calls?.size, 0);
    // Ended here: a recovery after a re-taken lease (NATS outage) must leave them to this run's publisher.
    for (const id of calls) assert.equal(adapter.calls?.carriedHere(id), true, id);
    assert.equal(adapter.calls?.carriedHere('not-a-call-of-this-run'), false);
  });

  it('a CANCEL from the PBX while it rings is answered 200 and 487; the call ends as cancelled', async () => {
    gateway.acceptThen((callId) => gateway.pbx('alert', { callId }));
    const before = gateway.incoming.length;
    const result = await callFromPbx('uac-cancel');
    assert.equal(result.exitCode, 0, describeRun(result));
    const callId = gateway.incoming[before]!.callId;
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.deepEqual([ended.cause, ended.sipStatus], ['cancelled', 487]);
    assert.deepEqual(gateway.timeline(callId), ['offering', 'disconnected:cancelled']);
    await assert.rejects(gateway.pbx('answer', { callId }), (err: unknown) => err instanceof BusRemoteError && err.remoteCode === 'UCS_ERR_PBX_CALL_NOT_FOUND');
  });

  it('the gateway is asked while the media node builds the leg; an alert and answer that come first wait for its answer', async (t) => {
    const pid = media.process.pid!;
    let nodeStopped = false;
    let askedWhileStopped: boolean | undefined;
    gateway.onIncoming = (req) => {
      askedWhileStopped = nodeStopped;
      // A quick client: rings and answers before the node could have answered the PBX's offer.
      setImmediate(() => void gateway.alertAndAnswer(req.callId).catch(() => undefined));
      return gateway.accept();
    };
    // The node cannot answer for 400 ms (shorter than its heartbeats' expiry).
    process.kill(pid, 'SIGSTOP');
    nodeStopped = true;
    const resume = setTimeout(() => {
      nodeStopped = false;
      process.kill(pid, 'SIGCONT');
    }, 400);
    t.after(() => {
      clearTimeout(resume);
      process.kill(pid, 'SIGCONT');
    });
    const before = gateway.incoming.length;
    const result = await callFromPbx('uac-call', { vars: { holdms: 200 } });
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.equal(askedWhileStopped, true, 'the gateway was asked before the node answered');
    const ok = result.messages.find((m) => m.direction === 'received' && m.status === 200);
    assert.match(ok?.body ?? '', /^m=audio [1-9]\d* /m, 'the 200 carries the node\'s answer');
    const callId = gateway.incoming[before]!.callId;
    await gateway.waitCallState(callId, 'disconnected');
    assert.deepEqual(gateway.timeline(callId), ['offering', 'connected', 'disconnected:normal']);
  });

  it('digits are sent as one INFO per digit with application/dtmf-relay', async () => {
    gateway.acceptThen(async (callId) => {
      await gateway.pbx('answer', { callId });
      await gateway.waitCallState(callId, 'connected');
      await gateway.pbx('digits', { callId, digits: '5#', durationMs: 250 });
      await gateway.pbx('drop', { callId, reason: 'normal' });
    });
    const result = await callFromPbx('uac-info');
    assert.equal(result.exitCode, 0, describeRun(result));
    const infos = sent(result, 'INFO');
    assert.deepEqual(infos.map((m) => m.body.trim().replace(/\r?\n/g, '|')), ['Signal=5|Duration=250', 'Signal=#|Duration=250']);
  });

  it('a failed media call (MediaCallEvent failed) is hung up with BYE and cause media-failure', async (t) => {
    autoAnswer();
    // A call of an earlier test may not have its 'disconnected' here yet: only a call id never seen is this one's.
    const earlier = new Set(gateway.events.map((e) => e.callId));
    const target = adapter.sipAddress('udp');
    const sipp = await Sipp.start({ scenario: scenario('uac-wait-bye'), target: `${target.host}:${target.port}`, service: '101', vars: { from: '200' }, args: ['-mp', String(mediaPort)], timeoutMs: 20_000 });
    t.after(() => sipp.dispose());
    const offering = await gateway.waitEvent((e) => e.state === 'offering' && !earlier.has(e.callId), 'a new incoming call');
    await gateway.waitCallState(offering.callId, 'connected');
    // The media node reports the call's media as failed (a worker died): the adapter must hang up.
    gateway.bus.publish(CallTopics.media, { type: 'failed', callId: offering.callId, nodeId: media.nodeId, cause: 'worker died', at: Date.now() });
    const ended = await gateway.waitCallState(offering.callId, 'disconnected');
    assert.equal(ended.cause, 'media-failure');
    const result = await sipp.done;
    assert.equal(result.exitCode, 0, describeRun(result));
  });

  it('refusals and drops while ringing answer with the status of their reason and report the cause', async () => {
    const cases: Array<{ name: string; setup: () => void; status: number; cause: string; timeline: string[] }> = [
      { name: 'no client', setup: () => (gateway.onIncoming = () => ({ accept: false, reason: 'no-client' })), status: 480, cause: 'unavailable', timeline: ['offering', 'disconnected:unavailable'] },
      { name: 'dnd', setup: () => (gateway.onIncoming = () => ({ accept: false, reason: 'dnd' })), status: 486, cause: 'busy', timeline: ['offering', 'disconnected:busy'] },
      { name: 'unknown line', setup: () => (gateway.onIncoming = () => ({ accept: false, reason: 'unknown-line' })), status: 404, cause: 'not-found', timeline: ['offering', 'disconnected:not-found'] },
      {
        name: 'redirect verdict (the line is forwarded)',
        setup: () => (gateway.onIncoming = () => ({ accept: false, reason: 'redirect', target: '777', mode: 'immediate' })),
        status: 302,
        cause: 'redirected',
        timeline: ['offering', 'disconnected:redirected'],
      },
      {
        name: 'drop busy while ringing',
        setup: () => gateway.acceptThen((callId) => gateway.pbx('alert', { callId }).then(() => gateway.pbx('drop', { callId, reason: 'busy' }))),
        status: 486,
        cause: 'busy',
        timeline: ['offering', 'disconnected:busy'],
      },
      {
        name: 'drop decline while ringing',
        setup: () => gateway.acceptThen((callId) => gateway.pbx('drop', { callId, reason: 'decline' })),
        status: 603,
        cause: 'rejected',
        timeline: ['offering', 'disconnected:rejected'],
      },
      {
        name: 'redirect while ringing',
        setup: () => gateway.acceptThen((callId) => gateway.pbx('redirect', { callId, target: '777' })),
        status: 302,
        cause: 'redirected',
        timeline: ['offering', 'disconnected:redirected'],
      },
    ];
    for (const c of cases) {
      c.setup();
      const before = gateway.incoming.length;
      const result = await callFromPbx('uac-rejected');
      assert.equal(result.exitCode, 0, `${c.name}: ${describeRun(result)}`);
      const finals = statusesReceived(result).filter((s) => s >= 200);
      assert.deepEqual([...new Set(finals)], [c.status], `${c.name}: final status`);
      const callId = gateway.incoming[before]!.callId;
      const ended = await gateway.waitCallState(callId, 'disconnected');
      assert.equal(ended.cause, c.cause, c.name);
      assert.equal(ended.sipStatus, c.status, c.name);
      assert.deepEqual(gateway.timeline(callId), c.timeline, c.name);
      if (c.status === 302) {
        const redirect = result.messages.find((m) => m.status === 302)!;
        assert.equal(header(redirect, 'Contact'), `<sip:777@${registrar.address}>`);
      }
    }
  });

  it('an INVITE for a number that is no line is answered 404 without asking the gateway', async () => {
    const before = gateway.incoming.length;
    const target = adapter.sipAddress('udp');
    const result = await Sipp.run({ scenario: scenario('uac-rejected'), target: `${target.host}:${target.port}`, service: '999', vars: { from: '200' }, args: ['-mp', String(mediaPort)] });
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.deepEqual(statusesReceived(result).filter((s) => s >= 200), [404]);
    assert.equal(gateway.incoming.length, before);
  });

  it('an INVITE with Replaces naming no dialog of ours is answered 481 without asking the gateway', async () => {
    const before = gateway.incoming.length;
    const target = adapter.sipAddress('udp');
    const result = await Sipp.run({ scenario: scenario('uac-replaces-unknown'), target: `${target.host}:${target.port}`, service: '101', vars: { from: '200' }, args: ['-mp', String(mediaPort)] });
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.deepEqual(statusesReceived(result).filter((s) => s >= 200), [481]);
    assert.equal(gateway.incoming.length, before);
  });

  it('commands on unknown lines or calls, or in the wrong state, fail with their error codes', async () => {
    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'ok';
      } catch (err) {
        assert.ok(err instanceof BusRemoteError, String(err));
        return err.remoteCode;
      }
    };
    assert.equal(await code(gateway.pbx('makeCall', { callId: randomUUID(), lineId: 'line-nope', to: '1', mediaNodeId: media.nodeId, origin: 'cti' })), 'UCS_ERR_PBX_LINE_NOT_FOUND');
    gateway.upsert(testLine({ number: '106', registrar: '127.0.0.1:9', enabled: false }));
    await gateway.waitRegistration('line-106', 'disabled');
    assert.equal(await code(gateway.pbx('makeCall', { callId: randomUUID(), lineId: 'line-106', to: '1', mediaNodeId: media.nodeId, origin: 'cti' })), 'UCS_ERR_PBX_LINE_DISABLED');
    for (const cmd of ['alert', 'answer'] as const) assert.equal(await code(gateway.pbx(cmd, { callId: 'no-such-call' })), 'UCS_ERR_PBX_CALL_NOT_FOUND');
    assert.equal(await code(gateway.pbx('hold', { callId: 'no-such-call', hold: true })), 'UCS_ERR_PBX_CALL_NOT_FOUND');
    // makeCall without a softphone leg at the media node: the media refuses, makeCall fails, no events.
    const callId = randomUUID();
    assert.equal(await code(gateway.pbx('makeCall', { callId, lineId: 'line-101', to: '1', mediaNodeId: media.nodeId, origin: 'cti' })), 'UCS_ERR_PBX_MEDIA_FAILED');
    assert.deepEqual(gateway.callEvents(callId), []);
    assert.equal(await code(gateway.pbx('answer', { callId })), 'UCS_ERR_PBX_CALL_NOT_FOUND');
  });

  it('a malformed request is answered 400 and the adapter keeps answering', async () => {
    const target = adapter.sipAddress('udp');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const exchange = async (text: string): Promise<string> => {
        const reply = once(socket, 'message', { signal: AbortSignal.timeout(2000) });
        socket.send(text, target.port, target.host);
        return String((await reply)[0]);
      };
      const port = socket.address().port;
      const bad = `OPTIONS sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbad1\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: bad@x\r\nCSeq: nonsense\r\nContent-Length: 0\r\n\r\n`;
      assert.match(await exchange(bad), /^SIP\/2\.0 400 /);
      const good = bad.replace('CSeq: nonsense', 'CSeq: 1 OPTIONS').replace('z9hG4bKbad1', 'z9hG4bKgood1');
      const answer = await exchange(good);
      assert.match(answer, /^SIP\/2\.0 200 OK/);
      assert.match(answer, /Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY/);
      const metrics = (await adapter.http.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /ucserver_pbx_adapter_sip_dropped_total\{reason="malformed",service="pbx-adapter"\} [1-9]/);
      assert.match(metrics, /ucserver_pbx_adapter_sip_requests_total\{direction="in",method="OPTIONS",service="pbx-adapter"\} [1-9]/);
    } finally {
      socket.close();
    }
  });
});
