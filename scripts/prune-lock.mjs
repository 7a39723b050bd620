// Rewrites package.json and package-lock.json in the current directory, and drops the other workspaces'
// manifests, so that `npm ci --omit=dev` installs only what one workspace runs in production: the
// workspace, the workspaces it depends on (the kernel), and their production dependencies, at the versions
// and places the lockfile pins. Nothing of the root's dev tools, no testkit, no other service's packages.
//
//   node scripts/prune-lock.mjs services/<name>     (the Dockerfile's deps stage; refuses to run in a checkout)
//
// npm cannot do this by itself: `npm ci --omit=dev --workspace services/<name>` follows the workspace's
// devDependencies into the testkit and installs the testkit's dependencies (workspaces are never flagged
// dev in the lockfile), and keeps every package another workspace needs in production.
// Plain JavaScript, so that it runs in the bare node image before anything is installed.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where npm resolves `name` from the package at `location`: the nearest node_modules upwards, per the lockfile. */
export function resolveIn(packages, location, name) {
  for (let at = location; ; ) {
    const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!at) return undefined;
    const nested = at.lastIndexOf('/node_modules/');
    at = nested >= 0 ? at.slice(0, nested) : '';
  }
}

/**
 * The lockfile locations a production install of `workspace` holds, and their package names: dependencies,
 * optional dependencies and required peers, transitively, through workspace links. Optional peers (the
 * kernel's database drivers) and devDependencies are not followed.
 */
export function productionClosure(packages, workspace) {
  const locations = new Set();
  const names = new Set();
  const visit = (location) => {
    if (locations.has(location)) return;
    locations.add(location);
    const entry = packages[location];
    if (entry.link) return visit(entry.resolved);
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional);
    const optional = new Set(Object.keys(entry.optionalDependencies ?? {}));
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...optional, ...peers]) {
      const target = resolveIn(packages, location, name);
      if (target === undefined) {
        if (optional.has(name)) continue; // a platform package this lockfile does not carry
        throw new Error(`${name} (needed by ${location || 'the root'}) is not in package-lock.json`);
      }
      names.add(name);
      visit(target);
    }
  };
  visit(workspace);
  return { locations, names };
}

const isWorkspace = (location) => location !== '' && !location.startsWith('node_modules/') && !location.includes('/node_modules/');

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function prune(workspace) {
  if (existsSync('.git')) throw new Error('prune-lock rewrites the manifests in place: run it in a copy (the Dockerfile does), not in a checkout');
  const manifest = readJson('package.json');
  const lock = readJson('package-lock.json');
  if (!lock.packages[workspace] || !isWorkspace(workspace)) throw new Error(`${workspace} is not a workspace of package-lock.json`);
  const { locations } = productionClosure(lock.packages, workspace);
  const kept = [...locations].filter(isWorkspace).sort();
  // The links node_modules/<workspace name> → <workspace dir> of every kept workspace (the target's too).
  for (const [location, entry] of Object.entries(lock.packages)) if (entry.link && kept.includes(entry.resolved)) locations.add(location);

  // The root keeps its settings (engines, allowScripts: mediasoup's install script fetches its worker) but
  // none of its own dependencies, nor its scripts.
  const { dependencies: _d, devDependencies: _dd, scripts: _s, workspaces: _w, ...rootSettings } = manifest;
  writeJson('package.json', { ...rootSettings, workspaces: kept });
  const { dependencies: _ld, devDependencies: _ldd, workspaces: _lw, ...rootEntry } = lock.packages[''];
  const packages = { '': { ...rootEntry, workspaces: kept } };
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === '' || !locations.has(location)) continue;
    if (isWorkspace(location)) {
      const { devDependencies, ...production } = entry;
      packages[location] = production;
      const { devDependencies: _wd, scripts: _ws, ...workspaceManifest } = readJson(`${location}/package.json`);
      writeJson(`${location}/package.json`, workspaceManifest);
    } else {
      packages[location] = entry;
    }
  }
  for (const location of Object.keys(lock.packages).filter((l) => isWorkspace(l) && !locations.has(l))) {
    rmSync(`${location}/package.json`, { force: true });
    for (let dir = location; dir.includes('/') && existsSync(dir) && readdirSync(dir).length === 0; dir = dir.slice(0, dir.lastIndexOf('/'))) rmdirSync(dir);
  }
  writeJson('package-lock.json', { name: manifest.name, version: manifest.version, lockfileVersion: lock.lockfileVersion, requires: lock.requires, packages });
  const count = (entries) => entries.filter(([l, e]) => l !== '' && !isWorkspace(l) && !e.link).length;
  console.error(`prune-lock: ${workspace}: workspaces ${kept.join(', ')}; ${count(Object.entries(packages))} of ${count(Object.entries(lock.packages))} packages`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const workspace = process.argv[2];
  if (!workspace) {
    console.error('usage: node scripts/prune-lock.mjs services/<name>');
    process.exit(2);
  }
  try {
    prune(workspace.replace(/\/+$/, ''));
  } catch (err) {
    console.error(`prune-lock: ${err.message}`);
    process.exit(1);
  }
}
