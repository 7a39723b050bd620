// Call capture in Direct Media (Kamailio without rtpengine): the two calls' PBX legs point at each
// other's tuple on the same media node, which links the softphones inside the node. The capture of a
// call shows its softphone leg and that internal link as its own interface (`direct-link`), the streams
// a tcpdump on the loopback would never see, with the node's packet counts, the SIP dialog and the tones.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CaptureInfo } from '@ucserver/shared';
import { check, framesPerInterface, sipStat } from '@ucserver/testkit';
import { answer, cleanup, dialAndRing, hangUp, tonesBothWays } from './support/callFlow.ts';
import { adminRequest, assertStreamsMatch, downloadCapture, rtpStreams, stoppedCapture, toneOf } from './support/capture.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const captureDir = mkdtempSync(join(tmpdir(), 'ucs-e2e-capture-'));
const e2e = stackWithUsers({ scenario: '12-call-capture-direct', pbxMode: 'direct-media', serviceEnv: { CAPTURE_DIR: captureDir } });

test('capture in Direct Media: softphone leg and the internal link, with the node\'s counts, SIP and tones', async () => {
  const { stack, alice, bob } = e2e;
  try {
    const ids = await dialAndRing(stack, alice, bob);
    await stack.step('capture the caller\'s call while it rings', async () => {
      const started = await adminRequest(stack, 'POST', `/api/v1/calls/${ids.callerId}/capture`, { body: {} });
      assert.equal(started.status, 201, started.body.toString());
    });
    await answer(stack, alice, bob);
    await check(async () => (await stack.admin<Array<{ callId: string; mediaPath?: string }>>('GET', '/api/v1/calls')).find((c) => c.callId === ids.callerId)?.mediaPath === 'direct', 10_000, { name: 'caller on path direct' });
    await tonesBothWays(stack, alice, bob);
    await new Promise((r) => setTimeout(r, 3000));
    await hangUp(stack, alice, bob, 'normal');

    await stack.step('the file: softphone leg and direct link, SIP, tones', async () => {
      const info = await stoppedCapture(stack, ids.callerId);
      assert.equal(info.stopReason, 'call-ended');
      const path = join(stack.artifacts, 'capture-direct-caller.pcapng');
      await downloadCapture(stack, ids.callerId, path);
      const streams = await rtpStreams(path);
      const frames = await framesPerInterface(path);
      stack.log(`rtp,streams ${JSON.stringify(streams)}; node ${JSON.stringify(info.nodePackets)}; endpoints ${JSON.stringify(info.endpoints)}; interfaces ${JSON.stringify(frames)}`);
      assert.equal(streams.length, 4, `softphone leg and direct link, both ways: ${JSON.stringify(streams)}`);
      assert.ok((frames['direct-link'] ?? 0) > 100, 'the internal link has its own interface');
      assert.equal(frames['pbx-leg'] ?? 0, 0, 'nothing on the PBX leg: its PlainTransport is silent in Direct Media');
      const rows = assertStreamsMatch(streams, info, ['softphone-leg/in', 'softphone-leg/out', 'direct-link/in', 'direct-link/out']);
      // The link runs between the two calls' PBX tuples on the node, as the PBX's SDPs said.
      const link = info.endpoints['direct-link/out']!;
      assert.equal(link.src.address, link.dst.address, 'both ends of the link are on the media node');
      assert.notEqual(link.src.port, link.dst.port);
      const candidates = [alice.toneHz, bob.toneHz];
      for (const [key, expected] of [['softphone-leg/in', alice.toneHz], ['direct-link/out', alice.toneHz], ['direct-link/in', bob.toneHz], ['softphone-leg/out', bob.toneHz]] as const) {
        const tone = await toneOf(path, rows.get(key)!, candidates);
        assert.equal(tone.frequency, expected, `${key} carries ${expected} Hz (power ${tone.power.toFixed(2)})`);
      }
      const sip = await sipStat(path);
      for (const method of ['INVITE', 'ACK', 'BYE']) assert.ok((sip.requests[method] ?? 0) >= 1, `${method} in sip,stat:\n${sip.text}`);
      for (const status of ['180', '200']) assert.ok((sip.responses[status] ?? 0) >= 1, `${status} in sip,stat:\n${sip.text}`);
      const list = await stack.admin<CaptureInfo[]>('GET', `/api/v1/captures?callId=${ids.callerId}`);
      assert.equal(list.length, 1);
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});
