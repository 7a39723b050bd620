import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceConfigs, variablesOf } from '@ucserver/shared';

const readme = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');

describe('README configuration table', () => {
  for (const [service, schema] of Object.entries(serviceConfigs)) {
    it(`documents every variable of ${service}`, () => {
      const missing = variablesOf(schema).filter((v) => !readme.includes(`| \`${v}\` |`));
      assert.deepEqual(missing, [], 'regenerate with: node --conditions=ucs-source scripts/config-doc.ts');
    });
  }
  it('documents no variable that no service reads', () => {
    const known = new Set(Object.values(serviceConfigs).flatMap((s) => variablesOf(s)));
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Benchmarks'));
    const documented = [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    assert.deepEqual(documented.filter((v) => !known.has(v)), []);
  });
});
