// One line's registration against Kamailio with an injected clock and random source: the retry
// schedule after failures follows backoffDelay() and the refresh follows refreshDelay(), to the
// millisecond; stop() removes the binding.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, type LineRegistrationState } from '@ucserver/shared';
import { check, Kamailio, testLogger } from '@ucserver/testkit';
import { SipEndpoint } from '../../src/userAgent/SipEndpoint.ts';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';
import { backoffDelay, refreshDelay } from '../../src/registration/backoff.ts';
import { LineRegistration } from '../../src/registration/LineRegistration.ts';
import { RegisterQueue } from '../../src/registration/RegisterQueue.ts';
import { FakeClock } from '../sip/FakeClock.ts';
import { testLine } from '../support/Gateway.ts';

const random = (): number => 0.5;
const retry = { minMs: 1000, maxMs: 8000 };

describe('LineRegistration', { timeout: 30_000 }, () => {
  let pbx: Kamailio;
  let endpoint: SipEndpoint;
  let metrics: PbxAdapterMetrics;

  before(async () => {
    pbx = await Kamailio.start({ mode: 'direct-media' });
    metrics = new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter'));
    endpoint = await SipEndpoint.create({ host: '127.0.0.1', port: 0, transports: ['udp'], userAgent: 'test-ua', logger: testLogger(), metrics });
  });
  after(async () => {
    await endpoint?.close();
    await pbx?.dispose();
  });

  const attempts = async (): Promise<number> => (await metrics.registerAttempts.get()).values[0]?.value ?? 0;

  function registration(password: string, number: string): { reg: LineRegistration; clock: FakeClock; states: LineRegistrationState[] } {
    const clock = new FakeClock();
    const states: LineRegistrationState[] = [];
    const reg = new LineRegistration({
      line: testLine({ number, registrar: pbx.address, authPassword: password }),
      endpoint,
      expiresS: 600,
      retry,
      queue: new RegisterQueue(4),
      logger: testLogger(),
      metrics,
      clock,
      random,
    });
    reg.on('state', (s) => states.push(s));
    return { reg, clock, states };
  }

  it('failures are retried after backoffDelay(1), backoffDelay(2), ... of the injected clock', async () => {
    const { reg, clock, states } = registration('wrong', '102');
    reg.start();
    const failures = (): number => states.filter((s) => s.status === 'failed').length;
    for (let n = 1; n <= 3; n++) {
      await check(() => failures() === n, 5000, { name: `failure ${n}` });
      const delay = backoffDelay(n, retry, random);
      const before = await attempts();
      clock.advance(delay - 1);
      assert.equal(await attempts(), before, `no attempt before ${delay} ms`);
      clock.advance(1);
      assert.equal(await attempts(), before + 1, `attempt ${n + 1} at ${delay} ms`);
      assert.equal(states.at(-1)?.status, 'registering');
    }
    await check(() => failures() === 4, 5000, { name: 'failure 4' });
    assert.deepEqual([...new Set(states.map((s) => s.sipStatus).filter(Boolean))], [403]);
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, retry, random)), [1000, 1500, 3000]);
    await reg.stop({ unregister: true, timeoutMs: 1000 });
    assert.equal(states.at(-1)?.status, 'unregistered');
  });

  it('a binding is refreshed at refreshDelay(granted) without a status change, and stop() removes it', async () => {
    const { reg, clock, states } = registration('pw100', '100');
    reg.start();
    await check(() => states.at(-1)?.status === 'registered', 5000, { name: 'registered' });
    const [binding] = await pbx.waitRegistered('100');
    assert.ok(binding!.expires > 590);
    const delay = refreshDelay(600, random);
    assert.equal(delay, 510_000);
    const before = await attempts();
    clock.advance(delay - 1);
    assert.equal(await attempts(), before);
    clock.advance(1);
    assert.equal(await attempts(), before + 1, 'the refresh REGISTER went out');
    await check(async () => (await attempts()) >= before + 1 && reg.state.expiresAt !== undefined && reg.state.expiresAt >= 510_000 + 600_000, 5000, { name: 'refreshed binding' });
    assert.deepEqual(states.map((s) => s.status), ['registering', 'registered'], 'a refresh publishes nothing new');
    await reg.stop({ unregister: true, timeoutMs: 2000 });
    await pbx.waitUnregistered('100');
    assert.equal(states.at(-1)?.status, 'unregistered');
  });
});
