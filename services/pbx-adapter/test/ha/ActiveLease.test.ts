// The lease state machine on a fake clock, against an in-memory bucket that drops its entry `leaseMs`
// after the last write as the NATS server does. Every step of every case checks the invariant: never two
// instances active at once, and an active one never past the server's expiry of its entry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KvEntry, PbxLease } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import { ActiveLease } from '../../src/ha/ActiveLease.ts';
import type { LeaseStore } from '../../src/ha/ActiveLeaseTypes.ts';
import { FakeClock } from '../sip/FakeClock.ts';

const LEASE_MS = 3000;

/** The bucket: one entry, compare-and-set, TTL on the server's (here: the fake) clock. */
class MemoryBucket {
  #entry: KvEntry<PbxLease> | undefined;
  #seq = 0;
  readonly #clock: FakeClock;
  constructor(clock: FakeClock) {
    this.#clock = clock;
  }
  live(): KvEntry<PbxLease> | undefined {
    if (this.#entry && this.#clock.now() >= this.#entry.writtenAt + LEASE_MS) this.#entry = undefined;
    return this.#entry;
  }
  write(value: PbxLease, expected: number): number | undefined {
    if ((this.live()?.revision ?? 0) !== expected) return undefined;
    this.#entry = { value, revision: ++this.#seq, writtenAt: this.#clock.now() };
    return this.#seq;
  }
}

type Fault = 'none' | 'reject' | 'hang' | 'lose-answer';

/** One instance's connection to the bucket, with a switchable fault. */
class Link implements LeaseStore {
  fault: Fault = 'none';
  readonly #bucket: MemoryBucket;
  constructor(bucket: MemoryBucket) {
    this.#bucket = bucket;
  }
  async #op<T>(run: () => T): Promise<T> {
    await Promise.resolve();
    if (this.fault === 'reject') throw new Error('timed out');
    if (this.fault === 'hang') return new Promise<T>(() => undefined);
    const result = run();
    if (this.fault === 'lose-answer') throw new Error('timed out');
    return result;
  }
  create(_key: string, value: PbxLease) {
    return this.#op(() => this.#bucket.write(value, 0));
  }
  update(_key: string, value: PbxLease, revision: number) {
    return this.#op(() => this.#bucket.write(value, revision));
  }
  entry() {
    return this.#op(() => this.#bucket.live());
  }
  delete() {
    return this.#op(() => undefined);
  }
}

function setup() {
  const clock = new FakeClock();
  const bucket = new MemoryBucket(clock);
  const make = (name: string, run = `${name}-run`) => {
    const link = new Link(bucket);
    const lease = new ActiveLease({
      store: link,
      identity: { holder: `${name}/udp:127.0.0.1:5062`, run, host: name, sip: 'udp:127.0.0.1:5062' },
      leaseMs: LEASE_MS,
      logger: testLogger(name),
      clock,
      wallClock: () => clock.now(),
    });
    return { link, lease };
  };
  const instances: ActiveLease[] = [];
  /** Stops checking an instance (killed, or deliberately overruled). */
  const forget = (lease: ActiveLease): void => void instances.splice(instances.indexOf(lease), 1);
  const check = (): void => {
    const active = instances.filter((i) => i.role === 'active');
    assert.ok(active.length <= 1, `${active.length} instances active at ${clock.now()} ms`);
    for (const a of active) assert.equal(bucket.live()?.value.run, a.holder?.run, `the active one's entry is live at ${clock.now()} ms`);
  };
  /** Advances in 50 ms steps, letting the stores' promises settle, checking the invariant each step. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      check();
    }
  };
  const start = async (name: string, run?: string) => {
    const m = make(name, run);
    instances.push(m.lease);
    await m.lease.start();
    return m;
  };
  return { clock, bucket, run, start, forget };
}

describe('pbx-adapter - ActiveLease (fake clock)', () => {
  it('the first instance takes the free lease and renews it; the second stays standby and sees the holder', async () => {
    const t = setup();
    const a = await t.start('a');
    const b = await t.start('b');
    assert.equal(a.lease.role, 'active');
    assert.equal(b.lease.role, 'standby');
    assert.equal(b.lease.holder?.holder, 'a/udp:127.0.0.1:5062');
    await t.run(10 * LEASE_MS);
    assert.equal(a.lease.role, 'active', 'still active after ten lease times');
    assert.equal(b.lease.role, 'standby');
    assert.ok(t.bucket.live()!.revision > 20, `renewed every third of the lease (revision ${t.bucket.live()!.revision})`);
  });

  it('an active cut off from NATS fences itself before its lease runs out; the standby takes over only after that, within lease + poll', async () => {
    const t = setup();
    const a = await t.start('a');
    const b = await t.start('b');
    await t.run(1000);
    const fencedAt: number[] = [];
    const activeAt: number[] = [];
    a.lease.on('role', (r) => r === 'fenced' && fencedAt.push(t.clock.now()));
    b.lease.on('role', (r) => r === 'active' && activeAt.push(t.clock.now()));
    const expiresAt = t.bucket.live()!.writtenAt + LEASE_MS;
    const cutAt = t.clock.now();
    a.link.fault = 'hang';
    await t.run(2 * LEASE_MS);
    assert.equal(a.lease.role, 'fenced');
    assert.equal(b.lease.role, 'active');
    assert.ok(fencedAt[0]! < expiresAt, `fenced at ${fencedAt[0]} before the entry expired at ${expiresAt}`);
    assert.ok(activeAt[0]! >= expiresAt, `standby active at ${activeAt[0]}, not before the expiry at ${expiresAt}`);
    assert.ok(activeAt[0]! - cutAt <= LEASE_MS + 300 + 50, `takeover ${activeAt[0]! - cutAt} ms after the cut`);
    assert.equal(b.lease.holder?.holder, 'b/udp:127.0.0.1:5062');
  });

  it('renewals that get no answer are retried; an outage shorter than the lease keeps the active one', async () => {
    const t = setup();
    const a = await t.start('a');
    const b = await t.start('b');
    a.link.fault = 'reject';
    await t.run(1200);
    assert.equal(a.lease.role, 'active');
    a.link.fault = 'none';
    await t.run(3 * LEASE_MS);
    assert.equal(a.lease.role, 'active');
    assert.equal(b.lease.role, 'standby');
  });

  it('a renewal whose answer was lost (it did land) is recognised as ours: still active', async () => {
    const t = setup();
    const a = await t.start('a');
    await t.start('b');
    await t.run(900);
    a.link.fault = 'lose-answer';
    await t.run(200);
    a.link.fault = 'none';
    await t.run(3 * LEASE_MS);
    assert.equal(a.lease.role, 'active');
  });

  it('a renewal refused because another instance holds the lease fences at once', async () => {
    const t = setup();
    const a = await t.start('a');
    await t.run(500);
    const roles: string[] = [];
    t.forget(a.lease);
    a.lease.on('role', (r, reason) => roles.push(`${r}: ${reason}`));
    // Another writer (an operator's `nats kv put`, a misconfigured twin) replaced the entry.
    const current = t.bucket.live()!;
    t.bucket.write({ ...current.value, holder: 'intruder', run: 'x' }, current.revision);
    await t.run(LEASE_MS / 3 + 400);
    assert.deepEqual(roles, ['fenced: the lease is held by intruder', 'standby: the lease is held by intruder']);
  });

  it('a lone instance fenced by a NATS outage longer than the lease takes the lease again once NATS is back', async () => {
    const t = setup();
    const a = await t.start('a');
    const roles: string[] = [];
    a.lease.on('role', (r) => roles.push(r));
    a.link.fault = 'reject';
    await t.run(2 * LEASE_MS);
    assert.equal(a.lease.role, 'fenced');
    a.link.fault = 'none';
    await t.run(500);
    assert.deepEqual(roles, ['fenced', 'active']);
  });

  it('a fenced instance that finds another holder after its outage becomes a standby', async () => {
    const t = setup();
    const a = await t.start('a');
    const b = await t.start('b');
    a.link.fault = 'reject';
    await t.run(2 * LEASE_MS);
    assert.equal(a.lease.role, 'fenced');
    assert.equal(b.lease.role, 'active');
    a.link.fault = 'none';
    await t.run(500);
    assert.equal(a.lease.role, 'standby');
    assert.equal(a.lease.holder?.holder, 'b/udp:127.0.0.1:5062');
    assert.equal(b.lease.role, 'active');
  });

  it('stop() of the active releases the lease: the standby takes over at its next read, long before the TTL', async () => {
    const t = setup();
    const a = await t.start('a');
    const b = await t.start('b');
    await t.run(500);
    const stoppedAt = t.clock.now();
    await a.lease.stop();
    let tookAt = 0;
    b.lease.on('role', (r) => r === 'active' && (tookAt = t.clock.now()));
    await t.run(1000);
    assert.equal(b.lease.role, 'active');
    assert.ok(tookAt - stoppedAt <= 300 + 50, `took over ${tookAt - stoppedAt} ms after the release`);
    assert.equal(a.lease.role, 'stopped');
  });

  it('a restart of the same instance (same host and SIP address, new run) takes its own lease back at once', async () => {
    const t = setup();
    const a = await t.start('a', 'run-1');
    await t.run(500);
    a.link.fault = 'hang'; // kill -9: it writes nothing any more
    t.forget(a.lease);
    const again = await t.start('a', 'run-2');
    assert.equal(again.lease.role, 'active');
    assert.equal(t.bucket.live()?.value.run, 'run-2');
    await t.run(LEASE_MS);
    assert.equal(a.lease.role, 'fenced', 'the old run, had it survived, would have fenced itself');
  });

  it('an unreadable lease keeps a standby standby (retrying); options out of range throw TypeError', async () => {
    const t = setup();
    await t.start('a');
    const b = await t.start('b');
    b.link.fault = 'reject';
    await t.run(2 * LEASE_MS);
    assert.equal(b.lease.role, 'standby');
    const store = new Link(t.bucket);
    assert.throws(() => new ActiveLease({ store, identity: { holder: 'h', run: 'r', host: 'h', sip: 's' }, leaseMs: 500, logger: testLogger() }), TypeError);
    assert.throws(() => new ActiveLease({ store, identity: { holder: 'h', run: 'r', host: 'h', sip: 's' }, leaseMs: 3000, renewMs: 2900, logger: testLogger() }), TypeError);
  });
});
