import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { check, decodePcmu, dominantFrequency, encodePcmu, framesPerInterface, rtcpSenderReports, rtpPayloads, rtpStreams, sine } from '@ucserver/testkit';
import { incomingCall, type CallSetup } from '../support/calls.ts';
import { remoteCode, startHarness, type Harness } from '../support/harness.ts';
import { download } from './support.ts';

const PBX_SSRC = 0x5eed0001;

function captureDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** 20 ms PCMU frames of a tone. */
function toneFrames(frequency: number, count: number): Buffer[] {
  const pcm = encodePcmu(sine({ frequency, seconds: (count * 160) / 8000, amplitude: 0.4 }));
  return Array.from({ length: count }, (_, i) => Buffer.from(pcm.subarray(i * 160, (i + 1) * 160)));
}

/** Sends `count` tone frames both ways, paced at 5 ms, and waits until all arrived. */
async function exchangeTones(call: CallSetup, count: number): Promise<void> {
  const fromPbx = toneFrames(1000, count);
  const fromPhone = toneFrames(600, count);
  const atPhone = call.phone.received.length;
  const atPbx = call.pbx.received.length;
  for (let i = 0; i < count; i++) {
    call.pbx.send(0, PBX_SSRC, fromPbx[i]!);
    call.phone.send(fromPhone[i]!, 0);
    await new Promise((r) => setTimeout(r, 5));
  }
  await check(() => call.phone.received.length - atPhone >= count && call.pbx.received.length - atPbx >= count, 5000, { name: `${count} frames each way`, intervalMs: 20 });
}

async function pcmuCall(t: TestContext, h: Harness, callId: string): Promise<CallSetup> {
  const call = await incomingCall(t, h, { callId, phoneCodecs: ['PCMU'], pbxSdp: { codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], ssrc: PBX_SSRC } });
  // Media flows before the capture starts: the PBX Producer exists (SSRC from the SDP) and the softphone's too.
  await exchangeTones(call, 5);
  return call;
}

describe('call capture on the media node', { timeout: 90_000 }, () => {
  test('a capture holds four RTP streams (both legs, both directions) with the tones, and no loss', async (t) => {
    const dir = captureDir(t);
    const h = await startHarness(t, { CAPTURE_DIR: dir });
    const call = await pcmuCall(t, h, 'cap-1');
    const started = await h.request('captureStart', { callId: 'cap-1', startedBy: 'alice' });
    assert.equal(started.state, 'running');
    assert.equal(started.startedBy, 'alice');
    await exchangeTones(call, 100);
    // Everything sent arrived (checked above): stop once the capture has seen all of it.
    const stopped = await h.request('captureStop', { callId: 'cap-1' });
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.stopReason, 'requested');
    const file = join(dir, 'dl.pcapng');
    await download(h, stopped.captureId, file);
    const streams = await rtpStreams(file);
    assert.equal(streams.length, 4, JSON.stringify(streams));
    for (const s of streams) {
      assert.equal(s.lost, 0, `no loss in ${JSON.stringify(s)}`);
      assert.equal(s.payload, 'g711U');
      assert.equal(s.packets, 100, `every packet sent during the capture: ${JSON.stringify(s)}`);
    }
    const pbxPort = call.pbx.socket.address().port;
    const pbxIn = streams.find((s) => s.srcPort === pbxPort);
    const pbxOut = streams.find((s) => s.dstPort === pbxPort);
    assert.ok(pbxIn && pbxOut, 'the PBX leg in both directions, at the PBX socket\'s port');
    assert.equal(pbxIn.ssrc, PBX_SSRC, 'the PBX\'s own SSRC');
    assert.equal(pbxOut.ssrc, call.pbx.received.at(-1)!.ssrc, 'as sent to the PBX: the SSRC it received');
    const toPhone = streams.find((s) => s.ssrc === call.phone.received.at(-1)!.ssrc);
    assert.ok(toPhone, 'as sent to the softphone: the SSRC it received');
    for (const s of streams) {
      const samples = decodePcmu(Buffer.concat(await rtpPayloads(file, s)));
      const expected: number = s === pbxIn || s === toPhone ? 1000 : 600;
      assert.equal(dominantFrequency(samples, [600, 1000], 8000).frequency, expected, `tone of ${JSON.stringify(s)}`);
    }
    // Every RTP packet, plus any RTCP Sender Report the softphone (werift) sent within the capture's
    // window: one lands there when the run is slow (the flake 201 !== 200 under load).
    const frames = await framesPerInterface(file);
    const srs = await rtcpSenderReports(file);
    const sr = (iface: string): number => srs.filter((r) => r.iface === iface).length;
    assert.equal(frames['softphone-leg']! - sr('softphone-leg'), 200, `RTP frames on softphone-leg (SRs: ${JSON.stringify(srs)})`);
    assert.equal(frames['pbx-leg']! - sr('pbx-leg'), 200);
    assert.deepEqual(stopped.interfaces, { sip: 0, 'softphone-leg': 200 + sr('softphone-leg'), 'pbx-leg': 200 + sr('pbx-leg'), 'direct-link': 0 });
    assert.deepEqual(stopped.nodePackets, { 'softphone-leg/in': 100, 'softphone-leg/out': 100, 'pbx-leg/in': 100, 'pbx-leg/out': 100 }, 'the node\'s own counters agree');
    const listed = await h.request('captureList', { callId: 'cap-1' });
    assert.equal(listed.captures.length, 1);
    assert.equal(listed.captures[0]!.captureId, stopped.captureId);
    await h.request('captureDelete', { captureId: stopped.captureId });
    assert.deepEqual((await h.request('captureList', {})).captures, []);
    await assert.rejects(h.request('captureRead', { captureId: stopped.captureId, offset: 0, length: 10 }), remoteCode('UCS_ERR_MEDIA_CAPTURE_NOT_FOUND'));
  });

  test('the end of the call stops its capture (call-ended)', async (t) => {
    const dir = captureDir(t);
    const h = await startHarness(t, { CAPTURE_DIR: dir });
    const call = await pcmuCall(t, h, 'cap-end');
    await h.request('captureStart', { callId: 'cap-end', startedBy: 'alice' });
    await exchangeTones(call, 20);
    await h.request('close', { callId: 'cap-end' });
    const info = await check(async () => (await h.request('captureList', { callId: 'cap-end' })).captures.find((c) => c.state !== 'running'), 5000, { name: 'capture stopped' });
    assert.equal(info.stopReason, 'call-ended');
    assert.equal(info.interfaces['pbx-leg'], 40);
    assert.deepEqual(info.nodePackets, { 'softphone-leg/in': 20, 'softphone-leg/out': 20, 'pbx-leg/in': 20, 'pbx-leg/out': 20 }, 'read before the call closed');
  });

  test('refusals: unknown call, running twice, stop without capture, too many, too large', async (t) => {
    const dir = captureDir(t);
    const h = await startHarness(t, { CAPTURE_DIR: dir, CAPTURE_MAX_CONCURRENT: '1', CAPTURE_MAX_SECONDS: '60', CAPTURE_MAX_BYTES: '100000' });
    await pcmuCall(t, h, 'cap-a');
    await pcmuCall(t, h, 'cap-b');
    await assert.rejects(h.request('captureStart', { callId: 'nope', startedBy: 'alice' }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    await assert.rejects(h.request('captureStop', { callId: 'cap-a' }), remoteCode('UCS_ERR_MEDIA_CAPTURE_NOT_FOUND'));
    await assert.rejects(h.request('captureStart', { callId: 'cap-a', startedBy: 'alice', maxSeconds: 61 }), remoteCode('UCS_ERR_MEDIA_CAPTURE_TOO_LARGE'));
    await assert.rejects(h.request('captureStart', { callId: 'cap-a', startedBy: 'alice', maxBytes: 100001 }), remoteCode('UCS_ERR_MEDIA_CAPTURE_TOO_LARGE'));
    await h.request('captureStart', { callId: 'cap-a', startedBy: 'alice' });
    await assert.rejects(h.request('captureStart', { callId: 'cap-a', startedBy: 'bob' }), remoteCode('UCS_ERR_MEDIA_CAPTURE_RUNNING'));
    await assert.rejects(h.request('captureStart', { callId: 'cap-b', startedBy: 'bob' }), remoteCode('UCS_ERR_MEDIA_CAPTURE_TOO_MANY'));
    const [running] = (await h.request('captureList', { callId: 'cap-a' })).captures;
    await assert.rejects(h.request('captureRead', { captureId: running!.captureId, offset: 0, length: 10 }), remoteCode('UCS_ERR_MEDIA_CAPTURE_RUNNING'));
    await h.request('captureStop', { callId: 'cap-a' });
    await h.request('captureStart', { callId: 'cap-b', startedBy: 'bob' });
  });

  test('size and duration limits stop the capture with their reason; the call goes on', async (t) => {
    const dir = captureDir(t);
    const h = await startHarness(t, { CAPTURE_DIR: dir });
    const call = await pcmuCall(t, h, 'cap-lim');
    await h.request('captureStart', { callId: 'cap-lim', startedBy: 'alice', maxBytes: 8000 });
    await exchangeTones(call, 40);
    const bySize = await check(async () => (await h.request('captureList', { callId: 'cap-lim' })).captures.find((c) => c.state !== 'running'), 5000, { name: 'stopped at its size' });
    assert.equal(bySize.stopReason, 'size-limit');
    assert.ok(bySize.bytes <= 8000, `${bySize.bytes} bytes`);
    await h.request('captureStart', { callId: 'cap-lim', startedBy: 'alice', maxSeconds: 1 });
    const byTime = await check(async () => (await h.request('captureList', { callId: 'cap-lim' })).captures.find((c) => c.state !== 'running' && c.captureId !== bySize.captureId), 5000, { name: 'stopped at its duration' });
    assert.equal(byTime.stopReason, 'duration-limit');
    await exchangeTones(call, 10);
  });
});

/** A tmpfs of `size` at a new directory (root only: the test is skipped elsewhere). */
function tmpfs(t: TestContext, options: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-capture-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  t.after(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('call capture when the disk fails', { timeout: 60_000 }, () => {
  test('disk full: the capture fails with a clear error, the call goes on', async (t) => {
    const dir = tmpfs(t, 'size=16k');
    if (!dir) return;
    const h = await startHarness(t, { CAPTURE_DIR: dir });
    const call = await pcmuCall(t, h, 'cap-full');
    await h.request('captureStart', { callId: 'cap-full', startedBy: 'alice' });
    await exchangeTones(call, 100);
    const failed = await check(async () => (await h.request('captureList', { callId: 'cap-full' })).captures.find((c) => c.state !== 'running'), 5000, { name: 'capture failed' });
    assert.equal(failed.state, 'failed');
    assert.equal(failed.stopReason, 'write-failed');
    assert.match(failed.error ?? '', /cannot write capture file .*ENOSPC/);
    // The call is untouched: media still flows both ways.
    await exchangeTones(call, 20);
    assert.equal((await h.request('dump', { callId: 'cap-full' })).mediaPath, 'pbx');
  });

  test('read-only capture directory: start fails with CAPTURE_WRITE_FAILED, the call goes on', async (t) => {
    const dir = tmpfs(t, 'size=16k,ro');
    if (!dir) return;
    const h = await startHarness(t, { CAPTURE_DIR: dir });
    const call = await pcmuCall(t, h, 'cap-ro');
    await assert.rejects(h.request('captureStart', { callId: 'cap-ro', startedBy: 'alice' }), (err: Error) => remoteCode('UCS_ERR_MEDIA_CAPTURE_WRITE_FAILED')(err) && /cannot create capture file .*EROFS/.test(err.message));
    await exchangeTones(call, 10);
    // The refused start leaves no running capture behind.
    await assert.rejects(h.request('captureStop', { callId: 'cap-ro' }), remoteCode('UCS_ERR_MEDIA_CAPTURE_NOT_FOUND'));
  });
});
