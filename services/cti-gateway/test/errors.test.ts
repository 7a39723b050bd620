// The gateway's error catalogues: stable codes (key = value), exactly one class per code, every class a
// UcsError named after itself whose instances carry its static code, codes unique across the tree's
// catalogues, and no code written as a string literal outside the catalogue files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BusRemoteError, BusTimeoutError, sharedErrorCatalogue, UcsError, type ErrorCatalogue } from '@ucserver/shared';
import { EnetucRejectError, EnetucRequestError, EnetucTimeoutError } from '../src/client/errors.ts';
import { AdminApiError, AdminResponseError, AdminUnreachableError, UsageError } from '../src/cli/errors.ts';
import { ctiCodecErrorCatalogue, gatewayErrorCatalogue } from '../src/errorCatalogue.ts';
import * as gw from '../src/errors.ts';
import { ConferenceSplitError, CtiRequestError, PickupDeniedError } from '../src/session/CtiRequestError.ts';

const remote = new BusRemoteError('ucs.t.media.node.n1.softphone.offer', 'UCS_ERR_MEDIA_SDP_INVALID', 'no audio m-line');

/** One instance of every gateway class. */
const instances: UcsError[] = [
  new gw.NotFoundError('user', 'ghost'),
  new gw.ConflictError('exists'),
  new gw.ValidationError('bad'),
  new gw.AuthenticationError(),
  new gw.LockedOutError(1500),
  new gw.AccountDisabledError('alice'),
  new gw.ForbiddenError('no'),
  new gw.HttpError(415, 'unsupported media type'),
  new gw.UnavailableError('no bus'),
  new CtiRequestError(3, 'unknown line'),
  new PickupDeniedError('carol may not pick up calls of line 101: they share no pickup group'),
  new ConferenceSplitError('the two calls\' media are on media nodes n1 and n2; a conference mixes on one node'),
  new gw.MediaCommandError('softphone.offer', { callId: 'c1', nodeId: 'n1' }, remote),
  new gw.PbxCommandError('drop', { callId: 'c1' }, new BusTimeoutError('ucs.t.pbx.drop', 3000)),
  new gw.JournalRetryError('no row yet'),
  new UsageError('missing --password'),
  new AdminUnreachableError('cannot reach'),
  new AdminResponseError(502, 'not JSON'),
  new AdminApiError(404, 'UCS_ERR_GW_NOT_FOUND', "user 'x' not found"),
  new EnetucRequestError('asnCtiHold', 1, 'no call'),
  new EnetucRejectError('asnCtiHold', { invokeProblem: 1 }, 'bad'),
  new EnetucTimeoutError('asnCtiHold: no answer within 5 ms'),
];

function classesByCode(catalogue: ErrorCatalogue): Map<string, string[]> {
  const byCode = new Map<string, string[]>();
  for (const c of catalogue.classes) byCode.set(c.code, [...(byCode.get(c.code) ?? []), c.name]);
  return byCode;
}

describe('error catalogue', () => {
  test('gw.GatewayErrorCodes keys equal their values and follow UCS_ERR_<AREA>_<WHAT>', () => {
    for (const [key, value] of Object.entries(gw.GatewayErrorCodes)) {
      assert.equal(key, value);
      assert.match(value, /^UCS_ERR_(GW|CLI|ENETUC)_[A-Z0-9_]+$/);
    }
  });

  for (const [name, catalogue] of [['gatewayErrorCatalogue', gatewayErrorCatalogue], ['ctiCodecErrorCatalogue', ctiCodecErrorCatalogue]] as const) {
    test(`${name}: every code has exactly one class, every class a catalogued code`, () => {
      const byCode = classesByCode(catalogue);
      for (const code of Object.values(catalogue.codes)) assert.equal(byCode.get(code)?.length, 1, `${code}: ${byCode.get(code)?.join(', ') ?? 'no class'}`);
      for (const c of catalogue.classes) assert.ok(Object.values(catalogue.codes).includes(c.code), `${c.name}: ${c.code}`);
    });
  }

  test('every gateway class is a UcsError named after itself, its instances carry its static code', () => {
    assert.equal(instances.length, gatewayErrorCatalogue.classes.length);
    for (const error of instances) {
      const Class = error.constructor as unknown as { name: string; code: string };
      assert.ok(error instanceof UcsError, Class.name);
      assert.equal(error.name, Class.name);
      assert.equal(error.code, Class.code);
      assert.ok(gatewayErrorCatalogue.classes.includes(Class), `${Class.name} is not in the catalogue`);
    }
  });

  test('codes are unique across the shared, gateway and codec catalogues', () => {
    const all = [sharedErrorCatalogue, gatewayErrorCatalogue, ctiCodecErrorCatalogue].flatMap((c) => Object.values(c.codes));
    assert.equal(new Set(all).size, all.length);
  });

  test('bus command errors keep the remote code and give a client reason without our subjects', () => {
    const media = new gw.MediaCommandError('softphone.offer', { callId: 'c1', nodeId: 'n1' }, remote);
    assert.match(new gw.MediaCommandError('node.drain', { nodeId: 'n1' }, remote).message, /\[nodeId:n1\]$/, 'a node-wide command names the node only');
    assert.equal(media.remoteCode, 'UCS_ERR_MEDIA_SDP_INVALID');
    assert.equal(media.reason, 'UCS_ERR_MEDIA_SDP_INVALID: no audio m-line');
    assert.match(media.message, /^media node softphone\.offer failed: .*\[callId:c1, nodeId:n1\]$/);
    assert.equal(media.cause, remote);
    const pbx = new gw.PbxCommandError('drop', { callId: 'c1' }, new BusTimeoutError('ucs.t.pbx.drop', 3000));
    assert.equal(pbx.remoteCode, undefined);
    assert.match(pbx.reason, /^PBX adapter unavailable: /);
    assert.doesNotMatch(media.reason, /subject:/);
  });

  test('no UCS_ERR_ code is written as a string literal outside the catalogue files', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const catalogueFiles = new Set(['errors.ts', 'codec/errors.ts']);
    const offenders: string[] = [];
    for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = join(entry.parentPath, entry.name);
      const rel = relative(src, file);
      if (catalogueFiles.has(rel)) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (/['"`]UCS_ERR_/.test(line) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`${rel}:${i + 1}`);
      });
    }
    assert.deepEqual(offenders, []);
  });
});
