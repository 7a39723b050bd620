// Issue 18: a softphone call outlives the death of its cti-gateway. alice's browser reaches gw-1 through
// the TCP proxy (the load balancer), bob's browser gw-2; alice calls bob (tones both ways), gw-1 owns
// alice's leg. kill -9 of gw-1: the proxy fails over to gw-2, alice's page reconnects there and re-attaches
// the call it kept (asnUcsReattachAVCall): gw-2 takes it over from what the bus keeps and the pbx-adapter
// records gw-2 as the owner, so the gateway-lost grace passes without a BYE. The WebRTC media never
// crossed the gateway: RTP keeps arriving on both pages through the kill (the longest gap between
// received packets is measured in the page) and the tones go on. alice then hangs up through gw-2: one
// journal row per leg, both closed 'normal', none open.
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserUser } from '../e2e/support/BrowserUser.ts';
import { establish, hangUp, tonesBothWays } from '../e2e/support/callFlow.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { before as by, byeCounters, rowsOf } from './support/recoveryChecks.ts';
import { journal, killGateway1, startTwoGateways, type TwoGateways } from './support/twoGateways.ts';

await enterNetworkNamespace();

const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
/** The longest pause of incoming RTP a page may see through the kill (20 ms packets; the gateway carries none of them). */
const MAX_RTP_GAP_MS = 1500;

let two: TwoGateways;

before(async () => {
  two = await startTwoGateways({ scenario: 'faults-gateway-reattach', heartbeatMs: HEARTBEAT_MS, graceMs: GRACE_MS });
});

after(async () => {
  await two?.stop();
});

interface RtpGaps {
  /** The longest time between two samples that saw more packets received (ms). */
  maxGapMs: number;
  samples: number;
  packets: number;
}

/**
 * Samples the newest call's received RTP packets in the page every 20 ms (in the page itself: no
 * round trip to the test in between) and keeps the longest time without a new packet.
 */
async function startRtpProbe(b: BrowserUser): Promise<void> {
  await b.page.evaluate(() => {
    type Hook = { rtpStats(key?: string): Promise<{ packetsReceived: number } | undefined>; lastCall(): { key: string } | undefined };
    const w = window as unknown as { ucsTest: Hook; rtpProbe?: { last: number; maxGapMs: number; samples: number; packets: number; timer: number } };
    const probe = { last: 0, maxGapMs: 0, samples: 0, packets: -1, timer: 0 };
    let busy = false;
    probe.timer = window.setInterval(() => {
      if (busy) return;
      busy = true;
      void w.ucsTest.rtpStats(w.ucsTest.lastCall()?.key).then((s) => {
        const now = performance.now();
        probe.samples += 1;
        if (s && s.packetsReceived > probe.packets) {
          if (probe.last) probe.maxGapMs = Math.max(probe.maxGapMs, now - probe.last);
          probe.last = now;
          probe.packets = s.packetsReceived;
        }
      }).finally(() => { busy = false; });
    }, 20);
    w.rtpProbe = probe;
  });
}

/** Stops the probe; its longest gap, counting the time since the last packet as one too. */
async function stopRtpProbe(b: BrowserUser): Promise<RtpGaps> {
  return b.page.evaluate(() => {
    const w = window as unknown as { rtpProbe: { last: number; maxGapMs: number; samples: number; packets: number; timer: number } };
    window.clearInterval(w.rtpProbe.timer);
    const p = w.rtpProbe;
    return { maxGapMs: Math.round(Math.max(p.maxGapMs, performance.now() - p.last)), samples: p.samples, packets: p.packets };
  });
}

test('kill -9 of the gateway carrying alice\'s softphone call: her page re-attaches on gw-2, the call and its audio go on, no BYE, she hangs up through gw-2', async () => {
  const { stack, alice, bob, gw2 } = two;
  const ids = await establish(stack, alice, bob);
  const byes0 = await byeCounters(stack);
  await Promise.all([startRtpProbe(alice), startRtpProbe(bob)]);
  const killedAt = await stack.step('kill -9 gw-1; the load balancer (proxy) sends new connections to gw-2', () => killGateway1(two));
  await stack.step('alice\'s page reconnects to gw-2 with her call still connected, and re-attaches it there', async () => {
    await alice.waitState((x) => x.connection !== 'connected', 'the page noticed the loss', 10_000);
    const s = await alice.waitState((x) => x.connection === 'connected' && x.lines.length > 0, 'reconnected with lines', 30_000);
    stack.log(`alice reconnected to gw-2 ${Date.now() - killedAt} ms after the kill`);
    const call = s.calls.find((c) => c.id === ids.callerId);
    assert.ok(call, `alice's call is listed: ${JSON.stringify(s.calls)}`);
    assert.equal(call.state, 'connected', JSON.stringify(call));
    assert.equal(call.connectionState, 'connected', 'the peer connection to the media node never went down');
    const logged = (service: { tail(lines: number): string }, what: string): Promise<boolean> =>
      by(Date.now() + 5000, what, async () => new RegExp(`"callId":"${ids.callerId}"[^\\n]*${what}`).test(service.tail(20_000)) || undefined, async () => service.tail(10));
    await logged(gw2, 'softphone call re-attached');
    await logged(stack.pbxAdapter!, 'call re-attached to another gateway');
  });
  await stack.step('the gateway-lost grace passes: no BYE at the PBX, both calls still connected', async () => {
    // gw-1's loss is judged after 3 heartbeat intervals, its calls would end GRACE_MS later; give it 3 s more.
    const end = killedAt + 3 * HEARTBEAT_MS + GRACE_MS + 3000;
    await sleep(Math.max(0, end - Date.now()));
    assert.deepEqual(await byeCounters(stack), byes0, 'no BYE reached Kamailio');
    for (const b of [alice, bob]) {
      const c = await b.lastCall();
      assert.equal(c?.state, 'connected', `${b.name}: ${JSON.stringify(c)}`);
    }
    assert.doesNotMatch(stack.pbxAdapter!.tail(20_000), /calls of a lost gateway ended/);
  });
  await tonesBothWays(stack, alice, bob, 'tones both ways after the re-attach');
  await stack.step('RTP kept arriving on both pages through the kill and the re-attach', async () => {
    const [a, b] = await Promise.all([stopRtpProbe(alice), stopRtpProbe(bob)]);
    stack.log(`longest RTP gap from the kill to now (${Date.now() - killedAt} ms, load ${loadavg()[0]!.toFixed(1)}): alice ${a.maxGapMs} ms (${a.samples} samples), bob ${b.maxGapMs} ms (${b.samples} samples)`);
    assert.ok(a.samples > 50 && b.samples > 50, 'the probes ran');
    assert.ok(a.maxGapMs < MAX_RTP_GAP_MS, `alice's longest RTP gap ${a.maxGapMs} ms`);
    assert.ok(b.maxGapMs < MAX_RTP_GAP_MS, `bob's longest RTP gap ${b.maxGapMs} ms`);
  });
  await hangUp(stack, alice, bob, 'normal');
  await stack.step('journal: one row per leg, both closed \'normal\', none open', async () => {
    const rows = await by(Date.now() + 15_000, 'both rows closed', async () => {
      const r = await rowsOf(stack, [ids.callerId, ids.calleeId]);
      return r.length === 2 && r.every((x) => x.endedAt !== null) ? r : undefined;
    }, async () => JSON.stringify(await journal(stack, gw2)));
    assert.deepEqual(rows.map((r) => [r.lineNumber, r.direction, r.disconnectCause]).sort(), [['100', 'outbound', 'normal'], ['101', 'inbound', 'normal']]);
    const all = await journal(stack, gw2);
    assert.equal(all.length, 2, `one row per leg: ${JSON.stringify(all)}`);
    assert.deepEqual(all.filter((r) => r.endedAt === null), [], 'no open row');
  });
});
