// The bound of REGISTERs in flight.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdapterClosedError } from '../../src/errors.ts';
import { RegisterQueue } from '../../src/registration/RegisterQueue.ts';

describe('RegisterQueue', () => {
  it('run() never has more than `limit` tasks running and runs the rest in order', async () => {
    const queue = new RegisterQueue(2);
    const release: Array<() => void> = [];
    const started: number[] = [];
    const tasks = [1, 2, 3, 4].map((n) => queue.run(() => new Promise<number>((resolve) => {
      started.push(n);
      release.push(() => resolve(n));
    })));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual([queue.running, queue.waiting], [2, 2]);
    release.shift()!();
    await tasks[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [1, 2, 3]);
    while (release.length > 0) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await Promise.all(tasks), [1, 2, 3, 4]);
    assert.deepEqual([queue.running, queue.waiting], [0, 0]);
  });
  it('a failing task frees its slot', async () => {
    const queue = new RegisterQueue(1);
    await assert.rejects(queue.run(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await queue.run(() => Promise.resolve('next')), 'next');
  });
  it('close() rejects waiting tasks with AdapterClosedError and later run() calls too', async () => {
    const queue = new RegisterQueue(1);
    let finish!: () => void;
    const running = queue.run(() => new Promise<void>((r) => (finish = r)));
    const waiting = queue.run(() => Promise.resolve());
    queue.close();
    await assert.rejects(waiting, AdapterClosedError);
    await assert.rejects(queue.run(() => Promise.resolve()), AdapterClosedError);
    finish();
    await running;
  });
  it('a limit below 1 throws TypeError', () => assert.throws(() => new RegisterQueue(0), TypeError));
});
