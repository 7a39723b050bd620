// Issue 11 (trust), SIP: who may talk to the pbx-adapter's SIP port. Against the real stack (Kamailio +
// rtpengine as the PBX at 127.0.0.1, the services, Chromium softphones): a stranger at another loopback
// address forges an INVITE claiming "Bank Security" → 403, A's softphone sees no call, no journal row; a
// trusted peer (SIP_TRUSTED_PEERS) gets 404 for a line we hold no binding of; a few thousand mutated
// INVITEs from a stranger leave no journal row and the adapter alive; the RFC 4475 cases the issue
// names are answered as RFC 3261 wants, over UDP and TCP (also a TCP request whose Via says UDP).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { metricSum } from '../e2e/support/prometheus.ts';
import { stackWithUsers } from '../e2e/support/stackWithUsers.ts';
import type { E2eStack } from '../e2e/support/E2eStack.ts';
import { askTcp, finals, forgedInvite, mutatedInvite, rfc4475, UdpProbe, type Answers, type SipTarget } from './support/sipProbe.ts';

await enterNetworkNamespace();

/** A SIP tool the operator trusts (the fuzzer's role), and strangers. */
const TRUSTED_PEER = '127.0.0.9';
const STRANGER = '127.0.0.66';
const ALICE_LINE = '100';
const e2e = stackWithUsers({ scenario: 'security-sip-trust', pbxAdapterEnv: { SIP_TRUSTED_PEERS: TRUSTED_PEER } });

const target = (stack: E2eStack): SipTarget => ({ host: '127.0.0.1', port: Number(stack.pbxAdapter!.env.SIP_PORT) });
/** Journal rows in total (polled: the gateway may be slow right after an attack). */
const journalTotal = (stack: E2eStack): Promise<number> =>
  check(async () => await stack.admin<{ total: number }>('GET', '/api/v1/journal?limit=1').catch(() => undefined), 60_000, { name: 'GET /api/v1/journal', intervalMs: 500 }).then((page) => page.total);
const screened = async (stack: E2eStack, reason: string): Promise<number> => metricSum(await stack.pbxAdapter!.metrics(), 'ucserver_pbx_adapter_sip_screened_total', { reason });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a forged INVITE from a non-PBX address ("Bank Security") gets 403 over UDP and TCP; the softphone sees no call, no journal row', async () => {
  const { stack, alice } = e2e;
  const to = target(stack);
  const journalBefore = await journalTotal(stack);
  const inboundBefore = (await alice.state()).calls.filter((c) => c.direction === 'inbound').length;
  const udp = await UdpProbe.open(STRANGER);
  try {
    const overUdp = await stack.step('forged INVITE over UDP', () => udp.ask(forgedInvite({ line: ALICE_LINE, target: to, from: STRANGER, proto: 'UDP', sentBy: udp.local }), to, 2000));
    const overTcp = await stack.step('forged INVITE over TCP', () => askTcp(STRANGER, to, (local) => forgedInvite({ line: ALICE_LINE, target: to, from: STRANGER, proto: 'TCP', sentBy: local }), 2000));
    stack.log(`forged INVITE answers: UDP ${JSON.stringify(overUdp.statuses)}, TCP ${JSON.stringify(overTcp.statuses)}`);
    await sleep(1500);
    const calls = (await alice.state()).calls.filter((c) => c.direction === 'inbound');
    const journalAfter = await journalTotal(stack);
    stack.log(`softphone inbound calls ${inboundBefore} → ${calls.length} (${calls.map((c) => String(c.remote)).join(', ')}); journal rows ${journalBefore} → ${journalAfter}`);
    assert.deepEqual(finals(overUdp), [403], 'UDP: one final answer, 403 Forbidden');
    assert.ok(!overUdp.statuses.includes(100) && !overUdp.statuses.includes(180), 'no 100/180: no transaction, no call');
    assert.deepEqual(finals(overTcp), [403], 'TCP: 403 Forbidden on the connection');
    assert.equal(calls.length, inboundBefore, "A's softphone was offered no call");
    assert.equal(journalAfter, journalBefore, 'no journal row');
    assert.ok((await screened(stack, 'untrusted-source')) >= 2, 'counted as untrusted-source');
  } finally {
    await udp.close();
  }
});


test('a trusted peer is still refused calls for a line we hold no registration of (404, no journal row)', async () => {
  const { stack } = e2e;
  const to = target(stack);
  // A line of the PBX's (103) that the adapter knows but does not register (disabled), and a number that is no line.
  await stack.admin('POST', '/api/v1/lines', { number: '103', registrar: stack.kamailio!.address, transport: 'udp', authUser: '103', authPassword: 'pw103', enabled: false });
  const journalBefore = await journalTotal(stack);
  const udp = await UdpProbe.open(TRUSTED_PEER);
  try {
    for (const line of ['103', '555']) {
      const a = await udp.ask(forgedInvite({ line, target: to, from: TRUSTED_PEER, proto: 'UDP', sentBy: udp.local }), to, 1500);
      stack.log(`INVITE from the trusted peer for ${line}: ${JSON.stringify(a.statuses)}`);
      assert.deepEqual([...new Set(finals(a))], [404], `line ${line}: 404 (retransmitted until ACKed)`);
    }
    assert.equal(await journalTotal(stack), journalBefore, 'no journal row');
  } finally {
    await udp.close();
  }
});

test('3000 mutated INVITEs from a stranger: no journal row, no call offered, the adapter stays alive and serving', async () => {
  const { stack, alice } = e2e;
  const to = target(stack);
  const journalBefore = await journalTotal(stack);
  const inboundBefore = (await alice.state()).calls.filter((c) => c.direction === 'inbound').length;
  const udp = await UdpProbe.open('127.0.0.77');
  let seed = 11;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  try {
    await stack.step('send 3000 mutated INVITEs (~600/s)', async () => {
      for (let i = 0; i < 3000; i++) {
        const line = i % 2 === 0 ? '100' : '101';
        await udp.send(mutatedInvite(forgedInvite({ line, target: to, from: '127.0.0.77', proto: 'UDP', sentBy: udp.local, displayName: `Bank Security ${i}` }), random), to);
        if (i % 60 === 59) await sleep(100);
      }
    });
    await sleep(3000);
    const journalAfter = await journalTotal(stack);
    const inbound = (await alice.state()).calls.filter((c) => c.direction === 'inbound').length;
    const answers = udp.received.length;
    stack.log(`mutated INVITEs: ${answers} answers back, journal rows ${journalBefore} → ${journalAfter}, A's inbound calls ${inboundBefore} → ${inbound}; screened rate-limited ${await screened(stack, 'rate-limited')}, untrusted-source ${await screened(stack, 'untrusted-source')}`);
    assert.equal(journalAfter, journalBefore, 'no journal row');
    assert.equal(inbound, inboundBefore, 'no call offered to the softphone');
    assert.ok(answers <= 100, `at most a burst of answers went back (got ${answers}): the rest was dropped unparsed`);
    stack.pbxAdapter!.process.assertRunning();
    const ready = await fetch(`${stack.pbxAdapter!.httpUrl}/readyz`);
    assert.equal(ready.status, 200, 'the adapter is ready');
    await stack.waitRegistered(['100', '101'], 5000);
  } finally {
    await udp.close();
  }
});

/** The RFC 4475 messages of the issue and what a UA (not a registrar) answers them with. */
const CASES: Array<{ name: string; expect: number[]; allow?: boolean }> = [
  { name: 'intmeth', expect: [405, 501], allow: true },
  { name: 'unkscm', expect: [416] },
  { name: 'cparam02', expect: [405], allow: true },
  { name: 'regescrt', expect: [405], allow: true },
];

for (const proto of ['UDP', 'TCP'] as const) {
  test(`RFC 4475 over ${proto} from a trusted peer: intmeth 405, unkscm 416, cparam02/regescrt 405 with Allow${proto === 'TCP' ? ' (Via says UDP: answered on the connection)' : ''}`, async () => {
    const { stack } = e2e;
    const to = target(stack);
    const results: string[] = [];
    const udp = proto === 'UDP' ? await UdpProbe.open(TRUSTED_PEER) : undefined;
    try {
      const answers: Answers[] = [];
      for (const c of CASES) {
        // Over TCP the top Via names UDP: the answer must still come back on the connection (RFC 3261 §18.2.2).
        const a = udp ? await udp.ask(rfc4475(c.name, 'UDP', udp.local), to, 1000) : await askTcp(TRUSTED_PEER, to, (local) => rfc4475(c.name, 'UDP', local), 1000);
        results.push(`${c.name}: ${JSON.stringify(a.statuses)}`);
        answers.push(a);
      }
      for (const [i, c] of CASES.entries()) {
        const a = answers[i]!;
        const final = finals(a);
        assert.equal(final.length, 1, `${c.name}: one final answer (got ${JSON.stringify(a.statuses)})`);
        assert.ok(c.expect.includes(final[0]!), `${c.name}: ${c.expect.join(' or ')} (got ${final[0]})`);
        if (c.allow) assert.match(a.texts.find((t) => Number(t.slice(8, 11)) >= 200)!, /\r\nAllow: [^\r\n]*INVITE/i, `${c.name}: the answer lists Allow`);
      }
    } finally {
      stack.log(`RFC 4475 over ${proto}: ${results.join('; ')}`);
      await udp?.close();
    }
  });
}

test('RFC 4475 from a stranger: every case gets 403 over UDP and TCP, before any method or scheme check', async () => {
  const { stack } = e2e;
  const to = target(stack);
  const udp = await UdpProbe.open('127.0.0.88');
  try {
    const got: Array<[string, number[], number[]]> = [];
    for (const c of CASES) {
      const u = await udp.ask(rfc4475(c.name, 'UDP', udp.local), to, 800);
      const t = await askTcp('127.0.0.89', to, (local) => rfc4475(c.name, 'UDP', local), 800);
      got.push([c.name, finals(u), finals(t)]);
    }
    stack.log(`RFC 4475 from a stranger (name, UDP, TCP): ${JSON.stringify(got)}`);
    for (const [name, u, t] of got) assert.deepEqual([u, t], [[403], [403]], `${name}: 403 over UDP and TCP`);
  } finally {
    await udp.close();
  }
  await check(async () => (await screened(stack, 'untrusted-source')) > 0, 2000, { name: 'screened metric' });
});
