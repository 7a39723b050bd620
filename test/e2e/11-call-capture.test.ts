// Call capture via the PBX (Kamailio + rtpengine): an admin captures both calls of A → B from ringing to
// hang-up through the admin API; each file holds the softphone leg (decrypted) and the PBX leg in both
// directions with the node's packet counts and no loss, the SIP dialog, and the tones of both parties.
// Also the refusals: unknown call 404, second start 409, too large 413, non-admin 403.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CaptureInfo } from '@ucserver/shared';
import { framesPerInterface, rtcpSenderReports, sipStat } from '@ucserver/testkit';
import { answer, cleanup, dialAndRing, hangUp, tonesBothWays } from './support/callFlow.ts';
import { adminCli, adminRequest, assertStreamsMatch, downloadCapture, rtpStreams, stoppedCapture, toneOf } from './support/capture.ts';
import { ALICE } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const captureDir = mkdtempSync(join(tmpdir(), 'ucs-e2e-capture-'));
const e2e = stackWithUsers({ scenario: '11-call-capture', pbxMode: 'media-via-pbx', serviceEnv: { CAPTURE_DIR: captureDir, CAPTURE_MAX_BYTES: String(50 << 20) } });

test('capture via the PBX: both calls from ringing to hang-up, 4 streams each with the node\'s counts, SIP, tones', async () => {
  const { stack, alice, bob } = e2e;
  try {
    const ids = await dialAndRing(stack, alice, bob);

    await stack.step('refusals and starts while ringing', async () => {
      const unknown = await adminRequest(stack, 'POST', '/api/v1/calls/no-such-call/capture', { body: {} });
      assert.equal(unknown.status, 404, unknown.body.toString());
      const nonAdmin = await adminRequest(stack, 'POST', `/api/v1/calls/${ids.callerId}/capture`, { body: {}, user: ALICE });
      assert.equal(nonAdmin.status, 403, nonAdmin.body.toString());
      const tooLarge = await adminRequest(stack, 'POST', `/api/v1/calls/${ids.callerId}/capture`, { body: { maxBytes: 100 << 20 } });
      assert.equal(tooLarge.status, 413, tooLarge.body.toString());
      assert.match(tooLarge.json<{ error: { message: string } }>().error.message, /UCS_ERR_MEDIA_CAPTURE_TOO_LARGE/);
      const started = await adminRequest(stack, 'POST', `/api/v1/calls/${ids.callerId}/capture`, { body: {} });
      assert.equal(started.status, 201, started.body.toString());
      const info = started.json<CaptureInfo>();
      assert.equal(info.state, 'running');
      assert.equal(info.startedBy, 'admin-token');
      assert.equal(info.nodeId, 'media-1');
      // The callee's call by its line, with the admin CLI (npm run admin -- capture start 101).
      const cli = await adminCli(stack, ['capture', 'start', bob.user.line]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, new RegExp(`^capture \\S+ of call ${ids.calleeId} started on media-1`));
      const twice = await adminRequest(stack, 'POST', `/api/v1/calls/${ids.callerId}/capture`, { body: {} });
      assert.equal(twice.status, 409, twice.body.toString());
      const running = await adminRequest(stack, 'GET', `/api/v1/calls/${ids.callerId}/capture.pcapng`);
      assert.equal(running.status, 409, 'no download while running');
    });

    await answer(stack, alice, bob);
    await tonesBothWays(stack, alice, bob);
    // Tones for a few seconds more: several hundred packets per stream, and at least one RTCP SR from
    // each browser: Chromium reports audio every 5 s on average, randomized to 2.5–7.5 s (RFC 3550
    // §6.3.1), so a shorter call may end before its first SR (a flake seen with 3 s).
    await new Promise((r) => setTimeout(r, 8000));
    await hangUp(stack, alice, bob, 'normal');

    const files: Array<{ who: string; callId: string; path: string; own: number; other: number }> = [
      { who: 'caller (A)', callId: ids.callerId, path: join(stack.artifacts, 'capture-caller.pcapng'), own: alice.toneHz, other: bob.toneHz },
      { who: 'callee (B)', callId: ids.calleeId, path: join(stack.artifacts, 'capture-callee.pcapng'), own: bob.toneHz, other: alice.toneHz },
    ];
    for (const f of files) {
      await stack.step(`capture of the ${f.who}: streams, SIP, tones`, async () => {
        const info = await stoppedCapture(stack, f.callId);
        assert.equal(info.state, 'stopped', JSON.stringify(info));
        assert.equal(info.stopReason, 'call-ended');
        if (f.callId === ids.callerId) await downloadCapture(stack, f.callId, f.path);
        else {
          // npm run admin -- capture get <callId> -o call.pcapng
          const cli = await adminCli(stack, ['capture', 'get', f.callId, '-o', f.path]);
          assert.equal(cli.code, 0, cli.stderr);
          assert.match(cli.stdout, /: \d+ bytes$/m);
        }
        const streams = await rtpStreams(f.path);
        stack.log(`${f.who}: rtp,streams ${JSON.stringify(streams)}; node ${JSON.stringify(info.nodePackets)}; interfaces ${JSON.stringify(await framesPerInterface(f.path))}`);
        assert.equal(streams.length, 4, `4 RTP streams: ${JSON.stringify(streams)}`);
        const rows = assertStreamsMatch(streams, info, ['softphone-leg/in', 'softphone-leg/out', 'pbx-leg/in', 'pbx-leg/out']);
        const candidates = [alice.toneHz, bob.toneHz];
        for (const [key, expected] of [['softphone-leg/in', f.own], ['pbx-leg/out', f.own], ['pbx-leg/in', f.other], ['softphone-leg/out', f.other]] as const) {
          const tone = await toneOf(f.path, rows.get(key)!, candidates);
          assert.equal(tone.frequency, expected, `${key} carries ${expected} Hz (power ${tone.power.toFixed(2)})`);
          assert.ok(tone.power > 0.5, `${key}: the tone dominates (share ${tone.power.toFixed(2)})`);
        }
        // RTCP: the Sender Reports the browser sent (mediasoup reports each one received), with the
        // microphone's SSRC and a packet count the file's own stream reaches.
        const srs = (await rtcpSenderReports(f.path)).filter((r) => r.iface === 'softphone-leg');
        const mic = rows.get('softphone-leg/in')!;
        assert.ok(srs.length >= 1, `an RTCP SR from the browser on softphone-leg: ${JSON.stringify(await rtcpSenderReports(f.path))}`);
        assert.ok(srs.every((r) => r.ssrc === mic.ssrc && r.packets <= mic.packets + 5), `SRs of the microphone's SSRC ${mic.ssrc}: ${JSON.stringify(srs)}`);
        const sip = await sipStat(f.path);
        for (const method of ['INVITE', 'ACK', 'BYE']) assert.ok((sip.requests[method] ?? 0) >= 1, `${method} in sip,stat:\n${sip.text}`);
        for (const status of ['180', '200']) assert.ok((sip.responses[status] ?? 0) >= 1, `${status} in sip,stat:\n${sip.text}`);
      });
    }

    await stack.step('list and delete captures', async () => {
      const all = await stack.admin<CaptureInfo[]>('GET', '/api/v1/captures');
      assert.ok(all.length >= 2);
      const mine = all.find((c) => c.callId === ids.callerId)!;
      const removed = await adminRequest(stack, 'DELETE', `/api/v1/captures/${mine.captureId}`);
      assert.equal(removed.status, 204);
      assert.equal((await adminRequest(stack, 'GET', `/api/v1/calls/${ids.callerId}/capture.pcapng`)).status, 404);
      assert.equal((await adminRequest(stack, 'DELETE', `/api/v1/calls/${ids.callerId}/capture`)).status, 404, 'nothing runs for an ended call');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('line policy: `line capture 100 on` captures the next call of line 100 from its first packet', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await stack.step('policy on with the admin CLI; a non-admin cannot read it', async () => {
      const on = await adminCli(stack, ['line', 'capture', alice.user.line, 'on']);
      assert.equal(on.code, 0, on.stderr);
      assert.equal(on.stdout, `capture of every call of line ${alice.user.line}: on\n`);
      const policy = await stack.admin<{ enabled: boolean; updatedBy: string }>('GET', `/api/v1/lines/${alice.user.line}/capture`);
      assert.deepEqual([policy.enabled, policy.updatedBy], [true, 'admin-token']);
      assert.equal((await adminRequest(stack, 'GET', `/api/v1/lines/${alice.user.line}/capture`, { user: ALICE })).status, 403);
    });
    const ids = await dialAndRing(stack, alice, bob);
    await answer(stack, alice, bob);
    await tonesBothWays(stack, alice, bob);
    await new Promise((r) => setTimeout(r, 2000));
    await hangUp(stack, alice, bob, 'normal');
    await stack.step('the call of line 100 was captured by the policy, the other line\'s not', async () => {
      const info = await stoppedCapture(stack, ids.callerId);
      assert.equal(info.startedBy, `policy:line ${alice.user.line}`);
      const path = join(stack.artifacts, 'capture-policy.pcapng');
      await downloadCapture(stack, ids.callerId, path);
      const streams = await rtpStreams(path);
      assert.equal(streams.length, 4, JSON.stringify(streams));
      assertStreamsMatch(streams, info, ['softphone-leg/in', 'softphone-leg/out', 'pbx-leg/in', 'pbx-leg/out']);
      assert.ok(((await sipStat(path)).requests.INVITE ?? 0) >= 1, 'from the INVITE on');
      assert.deepEqual(await stack.admin<CaptureInfo[]>('GET', `/api/v1/captures?callId=${ids.calleeId}`), [], 'line 101 has no policy');
    });
    assert.equal((await adminCli(stack, ['line', 'capture', alice.user.line, 'off'])).code, 0);
  } finally {
    await cleanup(stack, alice, bob);
  }
});
