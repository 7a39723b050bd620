// The OPTIONS keepalive against a UDP registrar on loopback that answers 200 to every OPTIONS except the
// CSeqs it is told to ignore (all retransmissions of them): one unanswered OPTIONS is confirmed at once by
// the next and is no outage; `downAfter` in a row are, and an answer after that is 'up'.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createMetricsRegistry } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import { SipEndpoint } from '../../src/userAgent/SipEndpoint.ts';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';
import { RegistrarKeepalive } from '../../src/registration/RegistrarKeepalive.ts';
import { createResponse, safeParseMessage, serializeMessage } from '../../src/sip/mod.ts';
import { lineAddress } from '../../src/userAgent/lineAddress.ts';
import { testLine } from '../support/Gateway.ts';

/** A registrar that answers OPTIONS unless `ignore(cseq)`; records when each CSeq first arrived. */
class OptionsRegistrar {
  readonly socket: Socket = createSocket('udp4');
  readonly firstSeen = new Map<number, number>();
  ignore: (cseq: number) => boolean = () => false;

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (buf, rinfo) => {
      const parsed = safeParseMessage(buf);
      if (!parsed.ok || parsed.message.type !== 'request' || parsed.message.method !== 'OPTIONS') return;
      const request = parsed.message;
      const cseq = request.headers.cseq().seq;
      if (!this.firstSeen.has(cseq)) this.firstSeen.set(cseq, Date.now());
      if (this.ignore(cseq)) return;
      this.socket.send(serializeMessage(createResponse(request, 200)), rinfo.port, rinfo.address);
    });
    return this.socket.address().port;
  }
}

describe('RegistrarKeepalive', { timeout: 30_000 }, () => {
  let endpoint: SipEndpoint;
  let metrics: PbxAdapterMetrics;
  let registrar: OptionsRegistrar;
  let port: number;
  const keepalives: RegistrarKeepalive[] = [];

  before(async () => {
    metrics = new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter'));
    endpoint = await SipEndpoint.create({ host: '127.0.0.1', port: 0, transports: ['udp'], userAgent: 'test-ua', logger: testLogger(), metrics });
    registrar = new OptionsRegistrar();
    port = await registrar.start();
  });
  after(async () => {
    for (const k of keepalives) k.close();
    await endpoint?.close();
    registrar?.socket.close();
  });

  function keepalive(options: { intervalMs: number; timeoutMs: number; downAfter?: number }): { k: RegistrarKeepalive; events: string[]; at: Map<string, number> } {
    const k = new RegistrarKeepalive({ address: lineAddress(testLine({ number: '100', registrar: `127.0.0.1:${port}` })), endpoint, logger: testLogger(), metrics, ...options });
    keepalives.push(k);
    const events: string[] = [];
    const at = new Map<string, number>();
    for (const name of ['down', 'up'] as const) {
      k.on(name, () => {
        events.push(name);
        at.set(name, Date.now());
      });
    }
    return { k, events, at };
  }
  const failures = async (): Promise<number> => (await metrics.keepaliveFailures.get()).values[0]?.value ?? 0;

  it('one unanswered OPTIONS is asked again at once, not after the interval, and is no outage', async () => {
    registrar.firstSeen.clear();
    registrar.ignore = (cseq) => cseq === 2;
    const before = await failures();
    const { k, events } = keepalive({ intervalMs: 1000, timeoutMs: 600 });
    k.start();
    await check(() => registrar.firstSeen.has(4), 10_000, { name: 'the fourth OPTIONS' });
    k.close();
    assert.deepEqual(events, [], 'never down');
    assert.ok(k.up);
    assert.equal((await failures()) - before, 1, 'the one unanswered OPTIONS counted');
    // CSeq 2 went unanswered for its whole timeout (600 ms); CSeq 3 followed it at once (after an interval
    // it would be 1,600 ms), CSeq 4 an interval after 3.
    const gap3 = registrar.firstSeen.get(3)! - registrar.firstSeen.get(2)!;
    const gap4 = registrar.firstSeen.get(4)! - registrar.firstSeen.get(3)!;
    assert.ok(gap3 >= 550 && gap3 < 1300, `the confirming OPTIONS ${gap3} ms after the unanswered one (its timeout, no interval)`);
    assert.ok(gap4 >= 950, `then the interval again (${gap4} ms)`);
  });

  it('two unanswered in a row: down (after both timeouts, no interval between); an answer after: up', async () => {
    registrar.firstSeen.clear();
    let silent = true;
    registrar.ignore = () => silent;
    const { k, events, at } = keepalive({ intervalMs: 1000, timeoutMs: 500 });
    const started = Date.now();
    k.start();
    await check(() => events.includes('down'), 10_000, { name: 'down' });
    const downAfterMs = at.get('down')! - started;
    // The first ping after an interval, then 2 timeouts (2,000 ms); with an interval between the two it would be 3,000.
    assert.ok(downAfterMs >= 1950 && downAfterMs < 2700, `down ${downAfterMs} ms after start`);
    assert.equal(registrar.firstSeen.size, 2, 'two OPTIONS (CSeqs) before down');
    assert.equal(k.up, false);
    silent = false;
    await check(() => events.includes('up'), 10_000, { name: 'up' });
    assert.deepEqual(events, ['down', 'up']);
    k.close();
  });

  it('downAfter: 1 is down at the first unanswered OPTIONS; a bad downAfter is refused', async () => {
    registrar.firstSeen.clear();
    registrar.ignore = () => true;
    const { k, events } = keepalive({ intervalMs: 300, timeoutMs: 400, downAfter: 1 });
    k.start();
    await check(() => events.includes('down'), 10_000, { name: 'down' });
    assert.equal(registrar.firstSeen.size, 1, 'one OPTIONS (CSeq) before down');
    k.close();
    for (const downAfter of [0, 1.5, -1]) {
      assert.throws(() => keepalive({ intervalMs: 300, timeoutMs: 400, downAfter }), TypeError);
    }
  });
});
