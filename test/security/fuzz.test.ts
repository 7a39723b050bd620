// Issue 11, the short fuzz run of CI: the fuzz suite (fuzz/, `npm run fuzz`) for ~45 s over every target
// against the real stack (Kamailio + rtpengine, gateway, media, pbx-adapter) in this file's network
// namespace. No service may crash; every input must get the answer it is owed (or a clean close);
// RSS and log growth stay bounded. The seed is fixed (FUZZ_SEED overrides it) so a failure replays with
// `npm run fuzz -- --seed <seed> --replay <target>:<index>` (the assertion message names both).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFuzz } from '../../fuzz/Fuzzer.ts';
import { TARGETS } from '../../fuzz/types.ts';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { artifactsRoot } from '../e2e/support/paths.ts';

await enterNetworkNamespace();

const SEED = Number(process.env.FUZZ_SEED ?? 11);
const MINUTES = Number(process.env.FUZZ_MINUTES ?? 0.75);

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
  assert.deepEqual(
    unanswered.map((r) => `${r.target}:${r.index} ${r.mutation} — ${r.detail ?? ''}`),
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
