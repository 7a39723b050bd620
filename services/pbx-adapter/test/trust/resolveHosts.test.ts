// resolveHosts(): IP literals as they are (IPv6 unbracketed), names through the resolver (a table here:
// no DNS traffic), a failing name keeps its last addresses, names no longer listed are forgotten.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testLogger } from '@ucserver/testkit';
import { resolveHosts, type LookupAll } from '../../src/trust/resolveHosts.ts';

const logger = testLogger('resolve');
const table = (entries: Record<string, string[]>): LookupAll => async (host) => {
  const a = entries[host];
  if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return a;
};

describe('resolveHosts()', () => {
  it('keeps IP literals and resolves names to all their addresses', async () => {
    const known = new Map<string, string[]>();
    const out = await resolveHosts(['192.0.2.1', '[2001:db8::1]', 'pbx.example'], logger, known, table({ 'pbx.example': ['192.0.2.5', '2001:db8::5'] }));
    assert.deepEqual(out.sort(), ['192.0.2.1', '192.0.2.5', '2001:db8::1', '2001:db8::5']);
    assert.deepEqual([...known], [['pbx.example', ['192.0.2.5', '2001:db8::5']]]);
  });
  it('a name that fails to resolve keeps its earlier addresses; an unlisted name is forgotten; a name never resolved is left out', async () => {
    const known = new Map<string, string[]>([['pbx.example', ['192.0.2.7']], ['old.example', ['192.0.2.8']]]);
    const out = await resolveHosts(['pbx.example', 'new.example'], logger, known, table({}));
    assert.deepEqual(out, ['192.0.2.7']);
    assert.deepEqual([...known.keys()], ['pbx.example']);
  });
});
