// The media mark of an incoming INVITE (X-UCS-Media, media/mediaMark.ts) with two real media nodes: a
// valid mark naming a live node places the call there, though placement by load would take the other;
// a malformed mark, an unknown node or a draining one is ignored and the call is placed by load — and
// every one of these calls is answered and ends normally.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { check, Sipp } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import type { Gateway } from '../support/Gateway.ts';
import { LineBench } from '../support/LineBench.ts';
import { MediaService } from '../support/MediaService.ts';

const scenario = (name: string): string => fileURLToPath(new URL(`../fixtures/sipp/${name}.xml`, import.meta.url));

describe('the media mark of an incoming INVITE', { timeout: 120_000 }, () => {
  let lines: LineBench;
  let gateway: Gateway;
  let adapter: PbxAdapterApp;
  let second: MediaService;
  /** The node placement by load takes when both are idle (its id sorts first), and the other one. */
  let byLoad: string;
  let other: string;

  before(async () => {
    // A node's load is the larger of its worker's CPU share and calls / 500; idle after each call, the CPU
    // share left over would decide. No CPU sampling within the test: idle nodes tie, and the first wins.
    const mediaEnv = { MEDIA_STATS_INTERVAL_MS: '300000' };
    lines = await LineBench.start(['101'], { mediaEnv });
    ({ gateway, adapter } = lines.bench);
    second = await MediaService.start(gateway.bus, { natsUrl: lines.nats.url, prefix: lines.bench.prefix, nodeId: `zz-${lines.bench.prefix}`, env: mediaEnv });
    await check(() => adapter.placement?.node(second.nodeId), 5000, { name: 'the adapter hearing the second node' });
    byLoad = lines.bench.media.nodeId;
    other = second.nodeId;
    assert.ok(byLoad < other, 'ties go to the first node');
    gateway.acceptThen((callId) => gateway.alertAndAnswer(callId));
  });
  after(async () => {
    await second?.dispose();
    await lines?.dispose();
  });

  /** SIPp calls line 101 with `mark` (or without one: uac-call); resolves with the node the call was placed on, once it ended normally. */
  async function placedOn(mark: string | undefined): Promise<string> {
    // Both nodes idle in the adapter's view, so that placement by load is the first node.
    await check(() => adapter.placement!.nodes().every((n) => n.calls === 0), 5000, { name: 'both nodes idle in the heartbeats' });
    const seen = gateway.incoming.length;
    const target = adapter.sipAddress('udp');
    const result = await Sipp.run({
      scenario: scenario(mark === undefined ? 'uac-call' : 'uac-marked'),
      target: `${target.host}:${target.port}`,
      service: '101',
      vars: { from: '200', holdms: 100, ...(mark === undefined ? {} : { mark }) },
      args: ['-mp', String(lines.mediaPort)],
      timeoutMs: 30_000,
    });
    assert.equal(result.exitCode, 0, `SIPp with mark ${String(mark)}: answered, ACKed, BYE 200\n${result.log}`);
    const request = gateway.incoming[seen];
    assert.ok(request, 'the gateway was asked');
    await gateway.waitCallState(request.callId, 'disconnected', 5000, (e) => e.cause === 'normal');
    return request.mediaNodeId;
  }

  it('a mark naming a live node places the call there; without a mark, placement by load', async () => {
    assert.equal(await placedOn(undefined), byLoad, 'no mark: by load');
    assert.equal(await placedOn(`${other};call=6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10`), other, 'the marked node, though the other one wins by load');
    assert.equal(await placedOn(`${byLoad};call=c1`), byLoad);
    assert.equal(await placedOn(`  ${other} ; CALL = c1 `), other, 'LWS and the parameter name in any case');
  });

  it('a malformed mark or one naming an unknown node is ignored: placement by load, the call goes on', async () => {
    const rows: Array<{ name: string; mark: string }> = [
      { name: 'no call id', mark: `${other};call=` },
      { name: 'a node id alone', mark: other },
      { name: 'an extra parameter', mark: `${other};call=c1;x=y` },
      { name: 'another parameter', mark: `${other};leg=c1` },
      { name: 'a character outside the id set', mark: `${other}.x;call=c1` },
      { name: 'a value of 400 characters', mark: `${other};call=${'c'.repeat(400)}` },
      { name: 'an unknown node', mark: 'no-such-node;call=c1' },
    ];
    for (const row of rows) assert.equal(await placedOn(row.mark), byLoad, row.name);
  });

  it('a mark naming a draining node is ignored', async () => {
    await gateway.media(other, 'drain', { draining: true });
    try {
      await check(() => adapter.placement!.node(other)?.draining === true, 5000, { name: 'the adapter sees the node draining' });
      assert.equal(await placedOn(`${other};call=c1`), byLoad);
    } finally {
      await gateway.media(other, 'drain', { draining: false });
    }
    await check(() => adapter.placement!.node(other)?.draining === false, 5000, { name: 'the node takes calls again' });
    assert.equal(await placedOn(`${other};call=c1`), other, 'and is preferred again');
  });
});
