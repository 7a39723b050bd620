// RouterShare on a real worker: calls whose payload types agree share a router (what lets a Direct
// Media link consume the partner's Producer without a pipe), calls whose numbers collide get their own,
// and the last call out closes the router.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '@ucserver/testkit';
import { routerPayloadTypes } from '../../src/sdp/codecs.ts';
import { startWorker } from '../support/worker.ts';

const pcmu = new Map([['audio/pcmu/8000', 0]]);
/** telephone-event at 96: the node's own numbering gives 96 to VP8, so a router numbered without it disagrees. */
const teAt96 = new Map([['audio/pcmu/8000', 0], ['audio/telephone-event/8000', 96]]);

describe('RouterShare', { timeout: 30_000 }, () => {
  test('calls with agreeing payload types share a router; a collision gets its own; the last release closes it', async (t) => {
    const worker = await startWorker(t);
    const share = worker.routers;
    const a = await share.acquire(pcmu);
    const b = await share.acquire(new Map());
    assert.equal(b.router, a.router, 'no wishes: any router serves');
    const c = await share.acquire(teAt96);
    assert.notEqual(c.router, a.router, 'telephone-event at 96 collides with the first router\'s VP8');
    assert.equal(routerPayloadTypes(c.router).get('audio/telephone-event/8000'), 96, 'the new router numbers as the call\'s SDP');
    assert.equal(routerPayloadTypes(a.router).get('audio/telephone-event/8000'), 101);
    assert.equal(share.routerCount, 2);
    assert.equal(share.leaseCount, 3);
    assert.equal(worker.callCount, 3);

    // A preferred router is taken when it agrees, even when another agrees too.
    const d = await share.acquire(pcmu, c.router);
    assert.equal(d.router, c.router);
    const e = await share.acquire(new Map([['audio/pcmu/8000', 8]]), c.router);
    assert.notEqual(e.router, c.router, 'a preferred router that disagrees is not taken');
    assert.notEqual(e.router, a.router);

    a.release();
    a.release();
    assert.equal(b.router.closed, false, 'another call still holds the router');
    b.release();
    assert.equal(a.router.closed, true, 'the last release closes the router');
    c.release();
    d.release();
    e.release();
    assert.equal(c.router.closed, true);
    assert.equal(e.router.closed, true);
    assert.equal(share.routerCount, 0);
    assert.equal(share.leaseCount, 0);
    const dump = await worker.worker.dump();
    assert.deepEqual(dump.routerIds, []);

    // A router closed at its last release is not handed out again.
    const f = await share.acquire(pcmu);
    assert.notEqual(f.router, a.router);
    assert.equal(f.router.closed, false);
    f.release();
  });

  test('every call holding a router hears once that its worker died', async (t) => {
    const worker = await startWorker(t);
    const leases = await Promise.all([1, 2, 3].map(() => worker.routers.acquire(pcmu)));
    assert.equal(new Set(leases.map((l) => l.router)).size, 1, 'concurrent acquires share one router being created');
    const heard: number[] = [];
    leases.forEach((l, i) => l.onWorkerClose(() => heard.push(i)));
    leases[2]!.release();
    worker.worker.close();
    await check(() => heard.length === 2, 5000, { name: 'workerclose fanned out' });
    assert.deepEqual(heard.sort(), [0, 1], 'a released lease hears nothing');
  });
});
