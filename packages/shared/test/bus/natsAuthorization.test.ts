// The generated NATS authorization on a real nats-server: no anonymous connection; each service's nkey
// user may use exactly the subjects of its row in the bus access table (tried one by one, including every
// subject another service may use), and the operators' user everything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { errors, nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { createUser } from '@nats-io/nkeys';
import { busServices } from '@ucserver/shared';
import { busPermissions, natsServerConfig, provisionSecrets, readSecretFile, Subjects, type NatsUser } from '@ucserver/shared/internal';
import { NatsServer } from '@ucserver/testkit';

const prefix = 'authz';
const subjects = new Subjects(prefix);

/** NATS subject matching: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** A concrete subject a pattern allows (`*`, `>` → a token). */
const concrete = (pattern: string): string => pattern.replace(/\*/g, 'x').replace(/>$/, 'x');

describe('NATS authorization generated from the bus access table', { timeout: 60_000 }, () => {
  let dir: string;
  let server: NatsServer;
  const seeds = {} as Record<NatsUser, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-authz-'));
    const files = Object.fromEntries([...busServices, 'admin'].map((u) => [u, join(dir, `${u}.nk`)])) as Record<NatsUser, string>;
    provisionSecrets({ nkeySeeds: files, lineCredentialsKey: [join(dir, 'line-key')], authorization: join(dir, 'auth.conf') }, { prefix });
    for (const [user, file] of Object.entries(files)) seeds[user as NatsUser] = readSecretFile(file);
    writeFileSync(join(dir, 'nats.conf'), natsServerConfig({ listen: '127.0.0.1:-1', storeDir: join(dir, 'js'), authorizationInclude: 'auth.conf' }));
    server = await NatsServer.start({ config: join(dir, 'nats.conf') });
  });
  after(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (user: NatsUser): Promise<NatsConnection> =>
    connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seeds[user])), inboxPrefix: user === 'admin' ? '_INBOX' : subjects.inbox(user), reconnect: false });

  /** Whether the server lets `nc` subscribe to `subject` (a violation arrives before the flush's PONG). */
  async function maySubscribe(nc: NatsConnection, subject: string): Promise<boolean> {
    let refused = false;
    const sub = nc.subscribe(subject, {
      queue: 'q',
      callback: (err) => {
        refused ||= err instanceof errors.PermissionViolationError;
      },
    });
    await nc.flush();
    sub.unsubscribe();
    return !refused;
  }

  /**
   * Whether the server lets `nc` publish to `subject`. A refused request fails at once with a permission
   * violation; an allowed one finds no responders, gets JetStream's answer, or (a pull request or an ack,
   * which JetStream does not answer) times out.
   */
  async function mayPublish(nc: NatsConnection, subject: string): Promise<boolean> {
    try {
      await nc.request(subject, '{}', { timeout: 1000 });
      return true;
    } catch (err) {
      if (err instanceof errors.PermissionViolationError || (err as Error).cause instanceof errors.PermissionViolationError) return false;
      if (err instanceof errors.NoRespondersError || (err instanceof errors.RequestError && err.isNoResponders())) return true;
      if (err instanceof errors.TimeoutError || (err as Error).cause instanceof errors.TimeoutError) return true;
      throw err;
    }
  }

  it('connect() without credentials is refused with an authorization error', async () => {
    await assert.rejects(connect({ servers: server.url, reconnect: false }), errors.AuthorizationError);
  });

  it('connect() with an nkey the server does not know is refused', async () => {
    await assert.rejects(connect({ servers: server.url, authenticator: nkeyAuthenticator(createUser().getSeed()), reconnect: false }), errors.AuthorizationError);
  });

  const everySubscribe = [...new Set(busServices.flatMap((s) => busPermissions(subjects, s).subscribe))];
  const everyPublish = [...new Set(busServices.flatMap((s) => busPermissions(subjects, s).publish))];
  for (const service of busServices) {
    it(`${service}: may subscribe and publish to exactly its own subjects, to none of the others'`, async () => {
      const nc = await as(service);
      try {
        const own = busPermissions(subjects, service);
        const wrong: string[] = [];
        for (const pattern of [...everySubscribe, `${prefix}.>`, '>', '_INBOX.>']) {
          const expected = own.subscribe.includes(pattern);
          if ((await maySubscribe(nc, pattern)) !== expected) wrong.push(`subscribe ${pattern}: expected ${expected ? 'allowed' : 'refused'}`);
        }
        for (const pattern of everyPublish) {
          const subject = concrete(pattern);
          const expected = own.publish.some((p) => matches(p, subject));
          if ((await mayPublish(nc, subject)) !== expected) wrong.push(`publish ${subject}: expected ${expected ? 'allowed' : 'refused'}`);
        }
        assert.deepEqual(wrong, []);
      } finally {
        await nc.close();
      }
    });
  }

  it('admin: may subscribe to everything (operators’ tools)', async () => {
    const nc = await as('admin');
    try {
      assert.equal(await maySubscribe(nc, '>'), true);
      assert.equal(await mayPublish(nc, `${prefix}.lines.list`), true);
    } finally {
      await nc.close();
    }
  });

  it('the server log names each refused subject (what an operator sees)', () => {
    assert.match(server.log, /Subscription Violation - Nkey "U[A-Z2-7]+", Subject "authz\.lines\.list"/);
  });
});

