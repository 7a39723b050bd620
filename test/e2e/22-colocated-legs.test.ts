// Issue 18: a softphone-to-softphone call through the PBX keeps both legs on one media node. Two media
// nodes (media-1, media-2) behind Kamailio + rtpengine; softphones A→B and C→D (headless ENetUC
// softphones that answer at once: bench/call-setup/AutoAnswerPhone.ts, no browsers) call several times.
// The gateway places each caller's leg by load, so the two conversations of a round go to different
// nodes; the pbx-adapter's INVITE carries the leg's media mark (X-UCS-Media), Kamailio passes it through
// to the callee's INVITE, and the callee's leg lands on the caller's node. media-2 listens on 127.0.0.2,
// so media-1 alone owns rtpengine's c= address (127.0.0.1, as when rtpengine runs on a media node's
// host): without the mark every callee's leg went to media-1, and the conversation whose caller is on
// media-2 was split in every round.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { check } from '@ucserver/testkit';
import { AutoAnswerPhone } from '../../bench/call-setup/AutoAnswerPhone.ts';
import { ALICE, BOB, CAROL, E2eStack, type E2eUser } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';

await enterNetworkNamespace();

const DAVE: E2eUser = { login: 'dave', password: 'dave-secret', displayName: 'Dave', line: '103' };
/** Each round: both conversations at once, then hung up. */
const ROUNDS = 3;

interface ApiCall { callId: string; line: string; direction: 'inbound' | 'outbound'; mediaNode?: string; worker?: number }
interface ApiNode { nodeId: string; addresses: string[]; calls: number; workersAlive: number; draining: boolean }

let stack: E2eStack | undefined;
const phones = new Map<string, AutoAnswerPhone>();

before(async () => {
  stack = await E2eStack.start({
    scenario: '22-colocated-legs',
    pbxMode: 'media-via-pbx',
    users: [ALICE, BOB, CAROL, DAVE],
    // A node's load is the larger of its worker's CPU share and calls / 500: two calls weigh 0.004, less
    // than an idle worker's CPU noise. No CPU sampling within the test (the first round would come after
    // 5 min), so load follows the calls and "the less loaded node" is known: the spread is asserted exactly.
    serviceEnv: { MEDIA_STATS_INTERVAL_MS: '300000' },
  });
  await stack.addMediaNode({ waitReady: true, env: { MEDIA_LISTEN_IP: '127.0.0.2' } });
  const s = stack;
  await check(async () => (await s.admin<ApiNode[]>('GET', '/api/v1/media/nodes')).filter((n) => n.workersAlive > 0 && !n.draining).length === 2, 15_000, { name: 'the gateway knows both media nodes' });
  // The pbx-adapter hears the same heartbeats (every 500 ms): three intervals and it knows media-2 too.
  await sleep(1500);
  for (const u of [ALICE, BOB, CAROL, DAVE]) {
    phones.set(u.line, await AutoAnswerPhone.connect({ host: '127.0.0.1', port: s.ctiPort, login: u.login, password: u.password, line: u.line }));
  }
});

after(async () => {
  for (const p of phones.values()) p.close();
  await stack?.stop();
});

/** Waits until the gateway's view of the nodes (their heartbeats) shows `total` calls, so placement has seen them. */
async function nodesCarry(s: E2eStack, total: number): Promise<ApiNode[]> {
  let nodes: ApiNode[] = [];
  await check(async () => {
    nodes = await s.admin<ApiNode[]>('GET', '/api/v1/media/nodes');
    return nodes.reduce((n, x) => n + x.calls, 0) === total;
  }, 10_000, { name: `the nodes' heartbeats carry ${total} calls` });
  return nodes;
}

test('issue 18: every conversation through the PBX has both legs on one node, and conversations spread over both nodes by load', async () => {
  const s = stack!;
  const nodes = await s.admin<ApiNode[]>('GET', '/api/v1/media/nodes');
  assert.deepEqual(nodes.map((n) => [n.nodeId, n.addresses]), [['media-1', ['127.0.0.1']], ['media-2', ['127.0.0.2']]], 'media-1 shares rtpengine\'s address, media-2 has its own');
  const seen: Array<{ round: number; pair: string; node: string }> = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    await s.step(`round ${round}: A calls B, then C calls D (both through Kamailio + rtpengine)`, async () => {
      const ab = await phones.get(ALICE.line)!.call(BOB.line, 15_000);
      // The second conversation is placed once the first one shows in the heartbeats (load, calls).
      await nodesCarry(s, 2);
      const cd = await phones.get(CAROL.line)!.call(DAVE.line, 15_000);
      await nodesCarry(s, 4);
      const calls = await s.admin<ApiCall[]>('GET', '/api/v1/calls');
      const nodeOf = (line: string, direction: ApiCall['direction']): string => {
        const call = calls.find((c) => c.line === line && c.direction === direction);
        assert.ok(call?.mediaNode, `a running ${direction} call on line ${line} with its media node (calls: ${JSON.stringify(calls)})`);
        return call.mediaNode;
      };
      const [a, b, c, d] = [nodeOf(ALICE.line, 'outbound'), nodeOf(BOB.line, 'inbound'), nodeOf(CAROL.line, 'outbound'), nodeOf(DAVE.line, 'inbound')];
      s.log(`round ${round}: A→B on ${a} / ${b}, C→D on ${c} / ${d}`);
      assert.equal(b, a, 'B\'s leg is on A\'s node');
      assert.equal(d, c, 'D\'s leg is on C\'s node');
      assert.notEqual(c, a, 'the second conversation went to the other, less loaded node');
      seen.push({ round, pair: 'A→B', node: a }, { round, pair: 'C→D', node: c });
      phones.get(ALICE.line)!.hangUp(ab.avCallId);
      phones.get(CAROL.line)!.hangUp(cd.avCallId);
      await check(async () => (await s.admin<ApiCall[]>('GET', '/api/v1/calls')).length === 0, 10_000, { name: 'no call left' });
      await nodesCarry(s, 0);
    });
  }
  assert.deepEqual(new Set(seen.map((x) => x.node)), new Set(['media-1', 'media-2']), 'both nodes carried conversations');
});
