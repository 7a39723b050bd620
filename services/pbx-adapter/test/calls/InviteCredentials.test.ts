// InviteCredentials: a line's last INVITE challenge, answered at once by its next INVITE (a new nc each
// time); nothing before the first challenge, after a password change, or for a challenge we cannot answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LineConfig } from '@ucserver/shared';
import { InviteCredentials } from '../../src/calls/InviteCredentials.ts';
import { createResponse } from '../../src/sip/mod.ts';
import { sampleRequest } from '../sip/sampleMessages.ts';

const line = (password = 'pw', lineId = 'line-1'): LineConfig => ({ lineId, number: '101', authUser: '', authPassword: password }) as unknown as LineConfig;
const invite = (uri = 'sip:200@pbx.test') => sampleRequest({ method: 'INVITE', uri });
const challenge = (status: 401 | 407, value: string) =>
  createResponse(invite(), status, { toTag: 't', headers: [[status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate', value]] });
const field = (header: string, name: string): string | undefined => new RegExp(`${name}="?([^",]*)"?`).exec(header)?.[1];

describe('InviteCredentials', () => {
  const cases: Array<{ name: string; steps: (c: InviteCredentials) => void; expect: { header?: string; nonce?: string; nc?: string } | undefined }> = [
    { name: 'nothing before the first challenge', steps: () => {}, expect: undefined },
    {
      name: 'a 407 is answered at once with Proxy-Authorization, nc 2 (qop auth: the challenged INVITE\'s retry used 1)',
      steps: (c) => c.challenged(line(), invite(), challenge(407, 'Digest realm="pbx", nonce="n1", qop="auth", algorithm=MD5')),
      expect: { header: 'Proxy-Authorization', nonce: 'n1', nc: '00000002' },
    },
    {
      name: 'a 401 is answered with Authorization; the newest challenge wins',
      steps: (c) => {
        c.challenged(line(), invite(), challenge(407, 'Digest realm="pbx", nonce="old"'));
        c.challenged(line(), invite(), challenge(401, 'Digest realm="pbx", nonce="new"'));
      },
      expect: { header: 'Authorization', nonce: 'new' },
    },
    {
      name: 'a changed password starts over',
      steps: (c) => c.challenged(line('old-pw'), invite(), challenge(407, 'Digest realm="pbx", nonce="n1"')),
      expect: undefined,
    },
    {
      name: 'a challenge we cannot answer (no Digest) is not kept',
      steps: (c) => c.challenged(line(), invite(), challenge(407, 'Basic realm="pbx"')),
      expect: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const credentials = new InviteCredentials();
      c.steps(credentials);
      const fields = credentials.preempt(line(), invite('sip:300@pbx.test'));
      if (!c.expect) {
        assert.deepEqual(fields, []);
        return;
      }
      assert.equal(fields.length, 1);
      assert.equal(fields[0]!.name, c.expect.header);
      assert.equal(field(fields[0]!.value, 'nonce'), c.expect.nonce);
      assert.equal(field(fields[0]!.value, 'uri'), 'sip:300@pbx.test', 'for the new INVITE\'s Request-URI');
      if (c.expect.nc) assert.equal(/nc=([0-9a-f]+)/.exec(fields[0]!.value)?.[1], c.expect.nc);
    });
  }

  it('each INVITE counts the nonce on (nc), and the bound forgets the oldest line', () => {
    const credentials = new InviteCredentials(2);
    for (const id of ['a', 'b', 'c']) credentials.challenged(line('pw', id), invite(), challenge(407, 'Digest realm="pbx", nonce="n", qop="auth"'));
    assert.equal(credentials.size, 2);
    assert.deepEqual(credentials.preempt(line('pw', 'a'), invite()), []);
    const nc = () => /nc=([0-9a-f]+)/.exec(credentials.preempt(line('pw', 'c'), invite())[0]!.value)?.[1];
    assert.deepEqual([nc(), nc()], ['00000002', '00000003']);
  });
});
