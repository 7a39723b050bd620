// Stops an npm script with one clear line when Node does not satisfy the root package.json's `engines.node`
// (on an older Node the scripts would die later with ERR_UNKNOWN_FILE_EXTENSION on the first .ts file).
// Every npm script runs it first: `node scripts/check-node.mjs && …`. Plain JavaScript, so any Node runs it.
//
//   node scripts/check-node.mjs            checks the running Node
//   node scripts/check-node.mjs 20.19.2    checks that version instead (what the tests use)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** [major, minor, patch] of "22.18.0", "v22.18", "22". */
function parseVersion(text) {
  const match = /^v?(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:[-+][0-9A-Za-z.-]*)?$/.exec(String(text).trim());
  if (!match) throw new Error(`not a version: '${text}'`);
  return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

const operators = {
  '>=': (c) => c >= 0,
  '>': (c) => c > 0,
  '<=': (c) => c <= 0,
  '<': (c) => c < 0,
  '=': (c) => c === 0,
};

/**
 * Whether `version` satisfies `range`, the subset of npm's ranges an `engines` field uses here: comparators
 * (`>=22.18`, `<23`, `=22.18.0`, a bare version) joined by spaces (all must hold), alternatives by `||`.
 */
export function satisfies(version, range) {
  const v = parseVersion(version);
  return range.split('||').some((alternative) =>
    alternative.trim().split(/\s+/).filter(Boolean).every((comparator) => {
      const match = /^(>=|<=|>|<|=)?\s*(.+)$/.exec(comparator);
      if (!match) throw new Error(`unsupported range '${range}'`);
      return operators[match[1] || '='](compare(v, parseVersion(match[2])));
    }),
  );
}

/** The one line to print when `version` does not satisfy `range`; undefined when it does. */
export function checkNodeVersion(version, range) {
  if (satisfies(version, range)) return undefined;
  return `ucserver needs Node ${range} (package.json "engines"), this is Node ${String(version).replace(/^v/, '')}: ` +
    'install Node 22 (nodejs.org, or your version manager) and put it first on the PATH.';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const message = checkNodeVersion(process.argv[2] || process.versions.node, manifest.engines.node);
  if (message) {
    console.error(message);
    process.exit(1);
  }
}
