// Issue 11, NATS: the attacks of the issue against the whole stack as deployed (E2eStack with
// natsSecurity: a NATS user per service, permissions from the bus access table, TLS from a CA made for
// the run). An anonymous client is refused; the media node's credentials cannot read or request lines nor
// forge call events; the pbx-adapter's cannot answer for the gateway; the gateway's cannot read the
// adapter's replies; whoever reads everything on the bus sees no SIP password; the services connect over
// TLS as themselves; and with all of it, lines register and a call through Kamailio works.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { errors, nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { LineCommands, LinesListReply, openLineConfig, parseSealingKey } from '@ucserver/shared';
import { Subjects, type NatsUser } from '@ucserver/shared/internal';
import { check, linePassword } from '@ucserver/testkit';
import { enterNetworkNamespace } from '../e2e/support/netns.ts';
import { stackWithUsers } from '../e2e/support/stackWithUsers.ts';
import { answer, dialAndRing, hangUp, tonesBothWays } from '../e2e/support/callFlow.ts';
import type { E2eStack } from '../e2e/support/E2eStack.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: 'security-nats', natsSecurity: { tls: true } });

/** A NATS connection as one of the deployment's users (or anonymous), over TLS trusting the run's CA. */
function natsAs(stack: E2eStack, user: NatsUser | 'anonymous'): Promise<NatsConnection> {
  const security = stack.natsSecurity;
  assert.ok(security, 'the stack runs NATS with users');
  const ca = security.caFile ? readFileSync(security.caFile, 'utf8') : undefined;
  return connect({
    servers: stack.natsUrl.replace(/^tls:\/\//, ''),
    reconnect: false,
    ...(ca ? { tls: { ca } } : {}),
    ...(user === 'anonymous' ? {} : { authenticator: nkeyAuthenticator(new TextEncoder().encode(security.seed(user))) }),
    ...(user === 'anonymous' || user === 'admin' ? {} : { inboxPrefix: new Subjects(stack.busPrefix).inbox(user) }),
  });
}

/** The first error a subscription gets from the server (null: none before the flush's PONG). */
async function subscribeError(nc: NatsConnection, subject: string, queue?: string): Promise<Error | null> {
  let error: Error | null = null;
  nc.subscribe(subject, { ...(queue ? { queue } : {}), callback: (err) => void (error ??= err) });
  await nc.flush();
  return error;
}

/** The NATS server's log lines about refused subjects. */
function violations(stack: E2eStack): string[] {
  return readFileSync(join(stack.artifacts, 'nats-server.log'), 'utf8').split('\n').filter((l) => /Violation/.test(l));
}

test('an anonymous NATS connection is refused; a plain-text one is not even offered', async () => {
  const { stack } = e2e;
  await stack.step('anonymous over TLS: authorization violation', async () => {
    await assert.rejects(natsAs(stack, 'anonymous'), errors.AuthorizationError);
  });
  await stack.step('the server requires TLS before anything else', async () => {
    const info = await firstLine(Number(new URL(stack.natsUrl).port));
    assert.match(info, /"tls_required":true/);
    assert.match(info, /"auth_required":true/);
  });
});

test("the media node's user cannot subscribe to lines, request lines.list, or publish call events", async () => {
  const { stack } = e2e;
  const before = violations(stack).length;
  const nc = await natsAs(stack, 'media');
  try {
    await stack.step(`subscribe ${stack.busPrefix}.lines.> is refused`, async () => {
      const err = await subscribeError(nc, `${stack.busPrefix}.lines.>`);
      assert.ok(err instanceof errors.PermissionViolationError, `got ${String(err)}`);
    });
    await stack.step('request lines.list is refused', async () => {
      const err = await nc.request(new Subjects(stack.busPrefix).command(LineCommands.list), '{}', { timeout: 5000 }).then(() => null, (e: unknown) => e as Error);
      assert.ok(err?.cause instanceof errors.PermissionViolationError || err instanceof errors.PermissionViolationError, `got ${String(err)}`);
    });
    await stack.step('publish a call event is refused', async () => {
      let refused: InstanceType<typeof errors.PermissionViolationError> | undefined;
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof errors.PermissionViolationError) refused ??= s.error;
      })();
      nc.publish(`${stack.busPrefix}.calls.event.100`, JSON.stringify({ forged: true }));
      await nc.flush();
      const err = await check(() => refused, 5000, { name: 'the client told its publish was refused' });
      assert.equal(err.subject, `${stack.busPrefix}.calls.event.100`);
    });
  } finally {
    await nc.close();
  }
  await check(() => violations(stack).length - before >= 3, 5000, { name: 'three violations in the server log' });
  assert.equal(violations(stack).length - before, 3, 'the server logged each refusal, and nothing else');
});

test("the pbx-adapter's user cannot serve cti.call.incoming; the gateway's cannot read the adapter's replies", async () => {
  const { stack } = e2e;
  const adapter = await natsAs(stack, 'pbx-adapter');
  const gateway = await natsAs(stack, 'cti-gateway');
  try {
    await stack.step('pbx-adapter: subscribe cti.call.incoming (queue cti-gateway) is refused', async () => {
      const err = await subscribeError(adapter, `${stack.busPrefix}.cti.call.incoming`, 'cti-gateway');
      assert.ok(err instanceof errors.PermissionViolationError, `got ${String(err)}`);
    });
    await stack.step("cti-gateway: subscribe to the pbx-adapter's inbox (where lines.list replies go) is refused", async () => {
      const err = await subscribeError(gateway, `${new Subjects(stack.busPrefix).inbox('pbx-adapter')}.>`);
      assert.ok(err instanceof errors.PermissionViolationError, `got ${String(err)}`);
      assert.ok((await subscribeError(gateway, '_INBOX.>')) instanceof errors.PermissionViolationError);
    });
  } finally {
    await adapter.close();
    await gateway.close();
  }
});

test('everything on the bus, read raw while lines are listed and changed, holds no SIP password', async () => {
  const { stack } = e2e;
  const admin = await natsAs(stack, 'admin');
  const seen: Uint8Array[] = [];
  try {
    admin.subscribe('>', { callback: (_err, msg) => void seen.push(msg.data) });
    await admin.flush();
    const newPassword = 'Pw-Changed-4242';
    let reply: Uint8Array | undefined;
    await stack.step('a lines.list exchange and a password change (lines.changed) pass the bus', async () => {
      reply = (await admin.request(new Subjects(stack.busPrefix).command(LineCommands.list), JSON.stringify({ offset: 0, limit: 100 }), { timeout: 5000 })).data;
      await stack.admin('PATCH', '/api/v1/lines/100', { authPassword: newPassword });
      await check(() => seen.some((d) => Buffer.from(d).toString().includes('"kind":"upsert"')), 5000, { name: 'lines.changed upsert on the bus' });
      await stack.admin('PATCH', '/api/v1/lines/100', { authPassword: linePassword('100') });
      await admin.flush();
    });
    await stack.step('no message carries the passwords in clear; the sealed one opens with LINE_CREDENTIALS_KEY only', async () => {
      const raw = Buffer.concat(seen.map((d) => Buffer.from(d)));
      for (const secret of [linePassword('100'), linePassword('101'), newPassword]) {
        assert.equal(raw.indexOf(secret), -1, `'${secret}' found in ${seen.length} messages`);
      }
      const page = LinesListReply.parse((JSON.parse(Buffer.from(reply!).toString()) as { result: unknown }).result);
      const line100 = page.lines.find((l) => l.number === '100');
      assert.ok(line100);
      assert.equal(openLineConfig(parseSealingKey(stack.lineCredentialsKey), line100).authPassword, linePassword('100'));
    });
    await stack.step('the admin API does not return it either', async () => {
      const lines = JSON.stringify(await stack.lines());
      assert.ok(lines.includes('"100"') && !lines.includes(linePassword('100')) && !lines.includes('authPassword'));
    });
  } finally {
    await admin.close();
  }
});

test('the services connect over TLS, each as its own NATS user', async () => {
  const { stack } = e2e;
  const security = stack.natsSecurity!;
  assert.match(stack.natsUrl, /^tls:\/\//);
  const connz = (await (await fetch(`${security.monitorUrl}/connz?auth=true`)).json()) as { connections: Array<{ name?: string; tls_version?: string; nkey?: string; authorized_user?: string }> };
  const byService = (prefix: string) => connz.connections.filter((c) => c.name?.startsWith(prefix));
  for (const service of ['cti-gateway', 'media', 'pbx-adapter'] as const) {
    const conns = byService(service);
    assert.ok(conns.length >= 1, `${service} is connected (${JSON.stringify(connz.connections.map((c) => c.name))})`);
    for (const c of conns) {
      assert.match(c.tls_version ?? '', /^1\.[23]$/, `${service} over TLS`);
      assert.equal(c.nkey ?? c.authorized_user, security.publicKey(service), `${service} as its own user`);
    }
  }
});

test('with all of it, a call through Kamailio works: dial, answer, tones both ways, hang up, journal', async () => {
  const { stack, alice, bob } = e2e;
  const before = violations(stack).length;
  await dialAndRing(stack, alice, bob);
  await answer(stack, alice, bob);
  await tonesBothWays(stack, alice, bob);
  await hangUp(stack, alice, bob);
  await stack.step('the journal has the call on both lines', async () => {
    await check(async () => (await stack.journal('100')).some((r) => r.remoteNumber === '101' && r.endedAt !== null) && (await stack.journal('101')).some((r) => r.remoteNumber === '100' && r.endedAt !== null), 10_000, { name: 'journal rows of the call' });
  });
  assert.deepEqual(violations(stack).slice(before), [], 'no service was refused a subject during the call');
});

test("no log of ucserver's processes or NATS holds a NATS seed, the line credentials key or a SIP password", async () => {
  const { stack } = e2e;
  const security = stack.natsSecurity!;
  const secrets = [
    ...(['cti-gateway', 'media', 'pbx-adapter', 'admin'] as const).map((u) => security.seed(u)),
    stack.lineCredentialsKey,
    linePassword('100'),
    linePassword('101'),
  ];
  // (debug level: E2E_LOG_LEVEL defaults to debug)
  const logs = readdirSync(stack.artifacts).filter((f) => /^(cti-gateway|media-\d+|pbx-adapter|nats-server).*\.log$/.test(f));
  assert.ok(logs.some((f) => f.startsWith('pbx-adapter')) && logs.includes('nats-server.log'), `logs: ${logs.join(', ')}`);
  for (const file of logs) {
    const text = readFileSync(join(stack.artifacts, file), 'utf8');
    for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds a secret (${secret.slice(0, 4)}…)`);
  }
});

/** The server's first protocol line (INFO), read over plain TCP. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no INFO within 5 s')));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}
