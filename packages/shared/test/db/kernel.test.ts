import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The kernel (@ucserver/shared, what media and pbx-adapter import) must not load the database stack; the
// database sits behind @ucserver/shared/db, whose drivers only the cti-gateway installs.
const sharedDir = fileURLToPath(new URL('../..', import.meta.url));
const rootDir = fileURLToPath(new URL('../../../..', import.meta.url));
const databasePackages = ['drizzle-orm', 'drizzle-zod', '@electric-sql/pglite', 'pg'];
const databaseModule = /\/node_modules\/(drizzle-orm|drizzle-zod|@electric-sql\/pglite|pg|pg-[a-z-]+)\//;

// Runs in a child process: records every module the import loads (ESM and require(), through the
// synchronous module hooks), then prints their URLs.
const probe = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
await import(process.argv[1]);
process.stdout.write(JSON.stringify(loaded));
`;

async function modulesLoadedBy(specifier: string, conditions: string[]): Promise<string[]> {
  const args = [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', probe, specifier];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: sharedDir, timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

describe('kernel - database isolation', () => {
  it('importing @ucserver/shared (sources) loads no drizzle, PGlite or pg module', async () => {
    const loaded = await modulesLoadedBy('@ucserver/shared', ['ucs-source']);
    assert.ok(loaded.some((url) => url.endsWith('/packages/shared/src/mod.ts')), 'the probe saw the kernel load');
    assert.deepEqual(loaded.filter((url) => databaseModule.test(url)), []);
  });

  it('importing @ucserver/shared (build output) loads no drizzle, PGlite or pg module', { skip: !existsSync(`${sharedDir}/dist/db/mod.js`) && 'no build of this layout in dist/; run tsc -b' }, async () => {
    const loaded = await modulesLoadedBy('@ucserver/shared', []);
    assert.ok(loaded.some((url) => url.endsWith('/packages/shared/dist/mod.js')), 'the probe saw the kernel load');
    assert.deepEqual(loaded.filter((url) => databaseModule.test(url)), []);
  });

  it('importing @ucserver/shared/db loads drizzle (the probe sees database modules)', async () => {
    const loaded = await modulesLoadedBy('@ucserver/shared/db', ['ucs-source']);
    assert.ok(loaded.some((url) => /\/node_modules\/drizzle-orm\//.test(url)));
  });
});

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * The lockfile the image of `service` installs from: the Dockerfile's deps stage runs scripts/prune-lock.mjs
 * on a copy of the manifests and the lockfile, then `npm ci --omit=dev`.
 */
async function imageLock(service: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-prune-lock-'));
  try {
    for (const file of ['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(rootDir, file), join(dir, file));
    }
    await promisify(execFile)(process.execPath, [join(rootDir, 'scripts/prune-lock.mjs'), `services/${service}`], { cwd: dir });
    return (JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }).packages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const workspaces = (JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
const installed = (packages: Record<string, unknown>, name: string): boolean => Object.keys(packages).some((l) => l === `node_modules/${name}` || l.endsWith(`/node_modules/${name}`));

describe('kernel - database dependencies', () => {
  for (const service of ['media', 'pbx-adapter']) {
    it(`services/${service} neither declares drizzle, PGlite or pg nor gets them in its image`, async () => {
      const manifest = JSON.parse(readFileSync(join(rootDir, `services/${service}/package.json`), 'utf8')) as Manifest;
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies });
      assert.deepEqual(declared.filter((n) => databasePackages.includes(n)), []);
      const packages = await imageLock(service);
      assert.ok(packages['node_modules/@ucserver/shared'] && installed(packages, 'fastify'), 'the image holds the kernel and its dependencies');
      assert.ok(!installed(packages, '@ucserver/testkit') && !installed(packages, 'typescript'), 'the image holds no test kit and no compiler');
      assert.deepEqual(databasePackages.filter((n) => installed(packages, n)), []);
    });
  }

  it('services/cti-gateway gets every database package @ucserver/shared/db needs in its image', async () => {
    const packages = await imageLock('cti-gateway');
    assert.deepEqual(databasePackages.filter((n) => !installed(packages, n)), []);
  });
});
