// Generator.connectWebRtc is bounded: a server that never answers ICE makes it give up after its
// attempts (each re-running ICE from a reset endpoint), with a clear error, and leaves the endpoint
// reusable — instead of waiting for good, as one lost handshake packet used to make a bench run do.
// Needs cc and the OpenSSL headers (gen.c is compiled on first use) and CAP_NET_RAW (SO_BINDTODEVICE lo),
// as the bench does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Generator } from './Generator.ts';

describe('bench/media-relay - Generator.connectWebRtc', () => {
  it('gives up after its attempts with a clear error, each attempt sending ICE checks afresh; the endpoint can run again', async () => {
    // A "server" that reads every STUN check and answers none.
    const silent = createSocket('udp4');
    const transactions = new Set<string>();
    silent.on('message', (msg) => {
      if (msg.length >= 20 && msg[0] === 0x00 && msg[1] === 0x01) transactions.add(msg.subarray(8, 20).toString('hex'));
    });
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const gen = await Generator.start({ core: 0 });
    try {
      const server = { ip: '127.0.0.1', port: silent.address().port, ufrag: 'srv1', pwd: 'serverpassword0123456789' };
      const t0 = Date.now();
      await assert.rejects(gen.connectWebRtc(3, server, 'cli1', { timeoutMs: 700, attempts: 2 }), /endpoint 3 not done after 2 attempt\(s\): no ready\/failed within 700 ms; no ready\/failed within 700 ms/);
      const took = Date.now() - t0;
      assert.ok(took >= 1400 && took < 10_000, `two bounded attempts, took ${took} ms`);
      assert.ok(transactions.size >= 2, `a fresh ICE check per attempt (${transactions.size} transactions seen)`);
      // Reset, not "endpoint-in-use": the same endpoint runs (and times out) again.
      await assert.rejects(gen.connectWebRtc(3, server, 'cli2', { timeoutMs: 300, attempts: 1 }), /not done after 1 attempt\(s\): no ready\/failed within 300 ms/);
    } finally {
      await gen.close();
      silent.close();
    }
  });
});
