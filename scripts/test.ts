// Runs the node:test suites with the source condition, so tests import the TypeScript sources
// (Node strips types) while production runs the tsc output. Usage: node scripts/test.ts unit|e2e [filter...]
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';

const suites: Record<string, string[]> = {
  unit: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'test/house/**/*.test.ts', 'fuzz/test/**/*.test.ts'],
  // Whole-system runs, one file at a time: their timing promises (ready within 15 s) need the machine.
  e2e: ['test/platform/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/security/**/*.test.ts', 'test/faults/**/*.test.ts'],
};

const [suite = 'unit', ...filters] = process.argv.slice(2);
const patterns = suites[suite];
if (!patterns) {
  console.error(`unknown suite '${suite}' (expected one of: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}
let files = patterns.flatMap((p) => globSync(p)).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files for suite '${suite}'${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? (suite === 'e2e' ? '1' : '2');
const args = [
  '--conditions=ucs-source',
  '--test',
  `--test-concurrency=${concurrency}`,
  `--test-timeout=${suite === 'e2e' ? 600_000 : 120_000}`,
  '--test-reporter=spec',
  ...files,
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
