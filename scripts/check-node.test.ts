import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkNodeVersion, satisfies } from './check-node.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(new URL('check-node.mjs', import.meta.url));
const engines = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('check-node - satisfies', () => {
  const cases: Array<{ version: string; range: string; expected: boolean }> = [
    { version: '22.18.0', range: '>=22.18 <23', expected: true },
    { version: 'v22.23.3', range: '>=22.18 <23', expected: true },
    { version: '22.17.1', range: '>=22.18 <23', expected: false },
    { version: '20.20.2', range: '>=22.18 <23', expected: false },
    { version: '23.0.0', range: '>=22.18 <23', expected: false },
    { version: '21.0.0', range: '<20 || >=22', expected: false },
    { version: '24.1.0', range: '<20 || >=22', expected: true },
    { version: '22.18.0', range: '22.18.0', expected: true },
    { version: '22.18.1', range: '=22.18.0', expected: false },
    { version: '22.18.0', range: '>22.18.0', expected: false },
    { version: '22.18.0', range: '<=22.18', expected: true },
  ];
  for (const { version, range, expected } of cases) {
    it(`${version} against '${range}' is ${expected}`, () => assert.equal(satisfies(version, range), expected));
  }
  it('a range it does not understand (caret, tilde, x) throws rather than passing', () => {
    assert.throws(() => satisfies('22.18.0', '^22'), /not a version/);
    assert.throws(() => satisfies('22.18.0', '22.x'), /not a version/);
  });
});

describe('check-node - the script', () => {
  it('checkNodeVersion() of an old Node is one line naming the range and the version; of a fitting one undefined', () => {
    const message = checkNodeVersion('20.20.2', engines);
    assert.ok(message && !message.includes('\n'));
    assert.ok(message.includes(engines) && message.includes('20.20.2'));
    assert.equal(checkNodeVersion('22.18.0', engines), undefined);
  });

  it('with a faked old Node it prints that one line on stderr and exits 1', async () => {
    const { code, stdout, stderr } = await run('20.20.2');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, `${checkNodeVersion('20.20.2', engines)}\n`);
  });

  it('with the running Node (the tests run on a fitting one) it says nothing and exits 0', async () => {
    assert.deepEqual(await run(), { code: 0, stdout: '', stderr: '' });
  });

  it('every npm script of the root and the workspaces runs the check first', () => {
    for (const dir of ['', 'packages/shared/', 'packages/testkit/', 'services/cti-gateway/', 'services/media/', 'services/pbx-adapter/']) {
      const scripts = (JSON.parse(readFileSync(`${root}${dir}package.json`, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
      const check = dir ? 'node ../../scripts/check-node.mjs && ' : 'node scripts/check-node.mjs && ';
      for (const [name, command] of Object.entries(scripts)) assert.ok(command.startsWith(check), `${dir}package.json script ${name} starts with the check`);
    }
  });
});
