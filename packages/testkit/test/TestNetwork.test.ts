// TestNetwork: hosts as network namespaces on a bridge inside the test's own namespace. Two hosts and
// the test exchange UDP over the bridge; a host has lo and eth0 only and no route beyond the /24 (asked
// with `ip route get`, which sends nothing); dispose leaves no namespace and no bridge; a namespace of a
// dead earlier run is swept at create.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enterNetworkNamespace, ManagedProcess, TestNetwork, type TestHost } from '@ucserver/testkit';

await enterNetworkNamespace();

const PREFIX = 'ucs-tnt-';
const PORT = 5999;
const netnsList = (): string[] => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

/** A UDP echo server as a process in `host`. */
function echoServer(host: TestHost, dir: string): ManagedProcess {
  const script = `const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(${PORT},'${host.address}',()=>console.log('ready'))`;
  return ManagedProcess.spawn(`echo-${host.name}`, process.execPath, ['-e', script], { logFile: join(dir, `echo-${host.name}.log`), netns: host.netns });
}

/** Sends one datagram from this process to `address` and resolves with the echo (or rejects after 5 s). */
function echoFrom(address: string, text: string): Promise<string> {
  const s = createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo from ${address} within 5 s`)), 5000);
    s.once('message', (m) => {
      clearTimeout(timer);
      resolve(m.toString());
    });
    s.send(text, PORT, address);
  }).finally(() => s.close());
}

describe('TestNetwork', { timeout: 60_000 }, () => {
  let dir: string;
  let network: TestNetwork;
  let a: TestHost;
  let b: TestHost;
  const servers: ManagedProcess[] = [];
  const stale = `${PREFIX}4194999-stale`;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-tn-'));
    spawnSync('ip', ['netns', 'add', stale]);
    network = TestNetwork.create({ prefix: PREFIX, subnet: '10.231.9' });
    a = network.addHost('host-a');
    b = network.addHost('host-b');
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await network?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sweeps the namespace of a dead earlier run at create', () => {
    assert.ok(!netnsList().includes(stale), netnsList().join(', '));
  });

  it('gives each host lo and eth0 with its own address, and the test the first one', () => {
    assert.deepEqual([network.address, a.address, b.address], ['10.231.9.1', '10.231.9.10', '10.231.9.11']);
    const shown = network.exec(a, 'ip', ['-o', '-4', 'addr', 'show']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /eth0\s+inet 10\.231\.9\.10\/24/);
    const linkNames = network.exec(a, 'ip', ['-o', 'link', 'show']).stdout.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter(Boolean);
    assert.deepEqual(linkNames, ['lo', 'eth0']);
  });

  it('the test reaches a host over UDP, and one host the other', async () => {
    for (const h of [a, b]) {
      const s = echoServer(h, dir);
      servers.push(s);
      await s.ready(() => s.tail().includes('ready'), 10_000, { name: `echo server in ${h.name}` });
    }
    assert.equal(await echoFrom(b.address, 'from the test'), 'from the test');
    const client = `const s=require('node:dgram').createSocket('udp4');const t=setTimeout(()=>process.exit(3),5000);s.on('message',(m)=>{console.log(String(m));clearTimeout(t);s.close()});s.send('from a',${PORT},'${b.address}')`;
    const r = network.exec(a, process.execPath, ['-e', client]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'from a');
  });

  it('nothing beyond the /24 is routable from a host or from the test', () => {
    const fromHost = network.exec(a, 'ip', ['route', 'get', '192.0.2.1']);
    assert.notEqual(fromHost.status, 0);
    assert.match(fromHost.stderr, /unreachable/i);
    const fromTest = spawnSync('ip', ['route', 'get', '192.0.2.1'], { encoding: 'utf8' });
    assert.notEqual(fromTest.status, 0);
    assert.equal(network.exec(a, 'ip', ['route', 'get', b.address]).status, 0);
  });

  it('refuses a second bridge, bad names and duplicate hosts with a clear error', () => {
    assert.throws(() => TestNetwork.create({ prefix: PREFIX }), /own network namespace with only 'lo'/);
    assert.throws(() => network.addHost('Bad Name'), /invalid host name/);
    assert.throws(() => network.addHost('host-a'), /exists/);
  });

  it('dispose deletes every namespace and the bridge', async () => {
    for (const s of servers.splice(0)) await s.stop();
    await network.dispose();
    const left = netnsList().filter((n) => n.startsWith(`${PREFIX}${process.pid}-`));
    assert.deepEqual(left, []);
    assert.notEqual(spawnSync('ip', ['link', 'show', 'ucsbr0']).status, 0);
    await network.dispose();
  });
});
