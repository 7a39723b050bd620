// npm run fuzz -- --minutes N [--seed S] [--targets cti-tcp,cti-ws,sip-udp,sip-tcp,sdp] [--replay target:index]
// Starts the real stack inside a network namespace with only `lo` (like the e2e suites), fuzzes the
// targets round-robin for N minutes, prints the tables and ONE JSON summary line; exit 1 on a crash or
// an unanswered input. See fuzz/README.md.
import { parseArgs } from 'node:util';
import { enterNetworkNamespace } from '../test/e2e/support/netns.ts';
import { runFuzz } from './Fuzzer.ts';
import { TARGETS, type TargetName } from './types.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    targets: { type: 'string', default: TARGETS.join(',') },
    replay: { type: 'string' },
    'timeout-ms': { type: 'string', default: '2000' },
  },
});

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n`);
  process.exit(2);
}

const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) fail(`--minutes must be a positive number (got '${values.minutes}')`);
// the seed is chosen before entering the namespace and passed on, so the re-executed run uses it
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer (got '${values.seed}')`);
const targets = values.targets.split(',').map((t) => t.trim()).filter(Boolean) as TargetName[];
for (const t of targets) if (!(TARGETS as readonly string[]).includes(t)) fail(`unknown target '${t}' (known: ${TARGETS.join(', ')})`);
let replay: { target: TargetName; index: number } | undefined;
if (values.replay) {
  const [t, i] = values.replay.split(':');
  if (!t || !(TARGETS as readonly string[]).includes(t) || !/^\d+$/.test(i ?? '')) fail(`--replay wants target:index (got '${values.replay}')`);
  replay = { target: t as TargetName, index: Number(i) };
}
if (values.seed === undefined) process.argv.push('--seed', String(seed));

await enterNetworkNamespace();
const result = await runFuzz({ minutes, seed, targets, ...(replay ? { replay } : {}), answerTimeoutMs: Number(values['timeout-ms']) });
process.stdout.write(`${result.report}\n`);
process.stdout.write(`${JSON.stringify(result.summary)}\n`);
process.exit(result.summary.ok ? 0 : 1);
