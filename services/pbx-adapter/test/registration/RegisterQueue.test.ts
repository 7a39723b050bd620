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
  it('holds tasks back while admit() says no, and starts them once it says yes, in order', async () => {
    let room = false;
    const queue = new RegisterQueue(8, { admit: () => room, recheckMs: 10 });
    const started: number[] = [];
    const tasks = [1, 2, 3].map((n) => queue.run(async () => {
      started.push(n);
      return n;
    }));
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(started, [], 'nothing starts without room, though slots are free');
    assert.deepEqual([queue.running, queue.waiting], [0, 3]);
    room = true;
    assert.deepEqual(await Promise.all(tasks), [1, 2, 3]);
    assert.deepEqual(started, [1, 2, 3]);
    assert.deepEqual([queue.running, queue.waiting], [0, 0]);
  });
  it('admission is asked per task: with room for two, two start and the third waits for the next recheck', async () => {
    let room = 2;
    const queue = new RegisterQueue(8, { admit: () => room > 0, recheckMs: 10 });
    const release: Array<() => void> = [];
    const started: number[] = [];
    const tasks = [1, 2, 3].map((n) => queue.run(() => new Promise<number>((resolve) => {
      room -= 1;
      started.push(n);
      release.push(() => resolve(n));
    })));
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(started, [1, 2]);
    // A finished task frees its slot but no room (the transaction lingers): the third still waits.
    release.shift()!();
    await tasks[0];
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(started, [1, 2]);
    room = 1;
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(started, [1, 2, 3]);
    while (release.length > 0) release.shift()!();
    assert.deepEqual(await Promise.all(tasks), [1, 2, 3]);
  });
  it('close() while tasks wait for room rejects them and stops rechecking', async () => {
    const queue = new RegisterQueue(1, { admit: () => false, recheckMs: 5 });
    const waiting = queue.run(() => Promise.resolve());
    queue.close();
    await assert.rejects(waiting, AdapterClosedError);
    assert.equal(queue.waiting, 0);
  });
  it('a limit below 1 throws TypeError', () => assert.throws(() => new RegisterQueue(0), TypeError));
});
