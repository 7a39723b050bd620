// Issue 18: a service that starts with a NATS cluster still forming (no JetStream meta leader: fewer than 2 of
// 3 servers up) keeps trying to set up the CALLS stream instead of exiting, and succeeds once the cluster has
// its quorum; it gives up with the NATS error after its deadline. Real nats-servers on loopback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { BusClient, busConnection } from '@ucserver/shared';
import { freePort, NatsServer, testLogger, uniquePrefix } from '@ucserver/testkit';

/** The routes of a 3-server cluster and a way to start any of its servers. */
async function formingCluster(): Promise<{ start(i: number): Promise<NatsServer> }> {
  const ports = [await freePort({ tcp: true, udp: false }), await freePort({ tcp: true, udp: false }), await freePort({ tcp: true, udp: false })];
  const routes = ports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  return {
    start: (i) => NatsServer.start({ args: ['--server_name', `f${i + 1}`, '--cluster_name', 'forming', '--cluster', `nats://127.0.0.1:${ports[i]}`, '--routes', routes] }),
  };
}

describe('CALLS stream set-up on a cluster still forming', { timeout: 90_000 }, () => {
  it('retries while no meta leader exists and succeeds once a second server joins', async (t) => {
    const cluster = await formingCluster();
    const first = await cluster.start(0);
    t.after(() => first.dispose());
    const bus = await BusClient.connect({ ...busConnection({ NATS_URL: first.url, BUS_PREFIX: uniquePrefix(), BUS_STREAM_REPLICAS: 1 }, 'media'), service: undefined, name: 'forming-test', logger: testLogger(), requestTimeoutMs: 2000 });
    t.after(() => bus.close());
    const started = Date.now();
    let settled = false;
    const setUp = bus.ensureCallStream({ maxAgeMs: 60_000, setupDeadlineMs: 60_000 }).finally(() => void (settled = true));
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(settled, false, 'no stream can be made without a meta leader: still retrying after 3 s');
    const second = await cluster.start(1);
    t.after(() => second.dispose());
    await setUp;
    const info = await (await jetstreamManager(bus.connection)).streams.info(bus.subjects.callStream);
    assert.equal(info.config.name, bus.subjects.callStream);
    assert.ok(Date.now() - started >= 3000);
  });

  it('gives up after setupDeadlineMs with the NATS error', async (t) => {
    const cluster = await formingCluster();
    const alone = await cluster.start(0);
    t.after(() => alone.dispose());
    const bus = await BusClient.connect({ ...busConnection({ NATS_URL: alone.url, BUS_PREFIX: uniquePrefix(), BUS_STREAM_REPLICAS: 1 }, 'media'), service: undefined, name: 'forming-test', logger: testLogger(), requestTimeoutMs: 1000 });
    t.after(() => bus.close());
    const started = Date.now();
    await assert.rejects(bus.ensureCallStream({ setupDeadlineMs: 2500 }), (err: Error) => err instanceof Error && err.message.length > 0);
    const took = Date.now() - started;
    // The deadline is checked between attempts, and one attempt may take a few JetStream API timeouts.
    assert.ok(took >= 1500 && took < 40_000, `gave up after its deadline (${took} ms)`);
  });
});
