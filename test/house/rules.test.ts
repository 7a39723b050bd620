// The house rules of issue 10, checked on the tree itself so they cannot drift: every error code is
// defined once in a catalogue and carried by exactly one class; services hold no bus subject and no code
// literal; no source file grows into a room that wants splitting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mediaWireCodes, sharedErrorCatalogue, UcsError, type ErrorCatalogue } from '@ucserver/shared';
import { gatewayErrorCatalogue } from '../../services/cti-gateway/src/errorCatalogue.ts';
import { ctiCodecErrorCatalogue } from '../../services/cti-gateway/src/codec/errors.ts';
import { mediaErrorCatalogue } from '../../services/media/src/errors.ts';
import { pbxAdapterErrorCatalogue } from '../../services/pbx-adapter/src/errors.ts';
import { sipErrorCatalogue } from '../../services/pbx-adapter/src/sip/errors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const catalogues: Record<string, ErrorCatalogue> = {
  shared: sharedErrorCatalogue,
  'media wire codes': mediaWireCodes,
  media: mediaErrorCatalogue,
  'pbx-adapter': pbxAdapterErrorCatalogue,
  sip: sipErrorCatalogue,
  'cti-gateway': gatewayErrorCatalogue,
  'cti-gateway codec': ctiCodecErrorCatalogue,
};

/** The code of a source line: nothing of a comment line (comments may name codes and subjects). */
function code(line: string): string {
  const t = line.trim();
  return t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') ? '' : line;
}

/** Production sources (not tests, not the web client bundle's generated output). */
function sources(): string[] {
  return globSync(['packages/*/src/**/*.ts', 'services/*/src/**/*.ts', 'services/*/web/src/**/*.ts'], { cwd: root }).sort();
}

describe('house - error catalogues', () => {
  it('every code is defined in exactly one catalogue, under its own name', () => {
    const seen = new Map<string, string>();
    for (const [name, catalogue] of Object.entries(catalogues)) {
      for (const [key, code] of Object.entries(catalogue.codes)) {
        assert.equal(key, code, `${name}: key ${key} names another code`);
        assert.match(code, /^UCS_ERR_[A-Z0-9_]+$/, `${name}: ${code}`);
        const other = seen.get(code);
        // The media wire codes are one table shared by two catalogues' classes (placement's and the node's).
        if (other && !(other === 'media wire codes' && name === 'media')) assert.fail(`${code} is in both ${other} and ${name}`);
        seen.set(code, name);
      }
    }
  });

  it('every code has exactly one error class, every class a catalogued code', () => {
    const codes = new Set(Object.values(catalogues).flatMap((c) => Object.values(c.codes)));
    const byCode = new Map<string, string[]>();
    for (const [name, catalogue] of Object.entries(catalogues)) {
      for (const cls of catalogue.classes) {
        assert.ok(codes.has(cls.code), `${name}: ${cls.name} carries ${cls.code}, which no catalogue defines`);
        // A class, or one code of a class that stands for a family of codes (the codec's FramingError).
        if (typeof cls === 'function') assert.ok((cls as { prototype: unknown }).prototype instanceof UcsError, `${name}: ${(cls as { name: string }).name} does not extend UcsError`);
        byCode.set(cls.code, [...(byCode.get(cls.code) ?? []), cls.name]);
      }
    }
    for (const code of codes) {
      assert.equal(byCode.get(code)?.length, 1, `${code} has classes ${JSON.stringify(byCode.get(code) ?? [])}`);
    }
  });

  it('no source outside a catalogue spells an error code', () => {
    const offenders: string[] = [];
    for (const file of sources()) {
      if (/\/(errors|errorCatalogue)\.ts$/.test(file) || file.endsWith('packages/shared/src/bus/media.ts')) continue;
      readFileSync(root + file, 'utf8').split('\n').forEach((line, i) => {
        if (/['"`]UCS_ERR_/.test(code(line))) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, []);
  });
});

describe('house - the bus', () => {
  it('no service builds or holds a subject: commands go through peers, events through topics', () => {
    const offenders: string[] = [];
    for (const file of sources()) {
      if (file.startsWith('packages/shared/src/bus/')) continue;
      readFileSync(root + file, 'utf8').split('\n').forEach((line, i) => {
        if (/\.subjects\.(?!prefix\b)/.test(code(line)) || /['"`](\$\{[^}]+\}\.)?(media\.node|calls\.(event|media)|lines\.(changed|registration)|media\.heartbeat)\b/.test(code(line))) {
          offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    assert.deepEqual(offenders, []);
  });

  it('no service imports another service', () => {
    const offenders: string[] = [];
    for (const file of sources().filter((f) => f.startsWith('services/'))) {
      const own = file.split('/')[1]!;
      for (const m of readFileSync(root + file, 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        const other = /(?:^|\/)services\/([a-z-]+)\//.exec(spec)?.[1] ?? /^@ucserver\/(cti-gateway|media|pbx-adapter)\b/.exec(spec)?.[1];
        if (other && other !== own) offenders.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});

describe('house - rooms', () => {
  // The ENetUC protocol tables restate estos's ASN.1 modules one operation after another; they are long
  // the way a table is, not the way a class with too many duties is.
  const tables = /^services\/cti-gateway\/src\/protocol\//;
  it('no source file is past ~450 lines', () => {
    const large = sources()
      .filter((f) => !tables.test(f))
      .map((f) => ({ f, n: readFileSync(root + f, 'utf8').split('\n').length }))
      .filter(({ n }) => n > 470)
      .map(({ f, n }) => `${f}: ${n}`);
    assert.deepEqual(large, []);
  });
});
