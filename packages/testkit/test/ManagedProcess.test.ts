import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, freePort, freePortRange, ManagedProcess, pickRange } from '@ucserver/testkit';

describe('ManagedProcess', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-proc-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('stop of a running process group ends it and its children', { timeout: 10_000 }, async () => {
    const proc = ManagedProcess.spawn('sh', 'sh', ['-c', 'echo started; sleep 30 & sleep 30; wait'], { logFile: join(dir, 'sh.log') });
    await check(() => proc.tail().includes('started'), 5000, { name: 'the shell writing to its log' });
    assert.equal(proc.running, true);
    const exit = await proc.stop();
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(proc.running, false);
    assert.deepEqual(await proc.stop(), exit, 'a second stop returns the same exit');
  });

  it('stop escalates to SIGKILL when the process ignores SIGTERM', { timeout: 10_000 }, async () => {
    const proc = ManagedProcess.spawn('stubborn', 'sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 1; done"], { logFile: join(dir, 'stubborn.log') });
    await check(() => proc.tail().includes('ready'), 5000, { name: 'the stubborn shell' });
    const exit = await proc.stop({ graceMs: 200 });
    assert.equal(exit.signal, 'SIGKILL');
  });

  it('a missing executable reports how to install the bench', { timeout: 10_000 }, async () => {
    const proc = ManagedProcess.spawn('nothing', 'ucs-no-such-binary', [], { logFile: join(dir, 'none.log') });
    const exit = await proc.exited;
    assert.match(exit.error?.message ?? '', /executable not found.*scripts\/test-peers\.sh/);
    assert.throws(() => proc.assertRunning(), /executable not found/);
  });

  it('error of an ended process carries its log tail', { timeout: 10_000 }, async () => {
    const proc = ManagedProcess.spawn('failing', 'sh', ['-c', 'echo "bind: Address already in use" >&2; exit 3'], { logFile: join(dir, 'failing.log') });
    const exit = await proc.exited;
    assert.equal(exit.code, 3);
    assert.throws(() => proc.assertRunning(), /failing \[pid:\d+\]: exited early \(code 3\)[\s\S]*Address already in use/);
  });
});

describe('freePorts', () => {
  it('freePort picks outside the kernel\'s ephemeral range, where no port-0 bind can take the port before the caller binds it', async () => {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    for (let i = 0; i < 20; i++) {
      const port = await freePort({ tcp: true });
      assert.ok(port < low || port > high, `${port} is outside ${low}-${high}`);
      assert.ok(port >= pickRange.min && port <= pickRange.max);
    }
  });

  it('freePort with count and even gives an even port whose neighbour is free too', async () => {
    const port = await freePort({ count: 2, even: true, tcp: true });
    assert.equal(port % 2, 0);
    assert.ok(port > 1024 && port < 65535);
  });

  it('freePortRange gives an even-aligned block of the requested size within bounds', async () => {
    const range = await freePortRange(50, 30000, 40000);
    assert.equal(range.max - range.min, 49);
    assert.equal(range.min % 2, 0);
    assert.ok(range.min >= 30000 && range.max <= 40000);
  });
});
