// A real mediasoup worker (with its WebRtcServer) for unit tests of the objects that live on it: a
// router per test, legs, wiring. No app, no bus. `t.after` closes the worker and awaits its exit.
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import type { Router } from 'mediasoup/types';
import { testLogger } from '@ucserver/testkit';
import { MediaWorker } from '../../src/workers/MediaWorker.ts';
import { reservePortWindow } from './portWindow.ts';

export const logger = testLogger('media-unit');

export async function startWorker(t: TestContext): Promise<MediaWorker> {
  const window = reservePortWindow();
  let worker: MediaWorker;
  try {
    worker = await MediaWorker.create({
      index: 0,
      logLevel: 'none',
      listenIp: '127.0.0.1',
      announcedAddress: undefined,
      webRtcPort: 0,
      portRange: { min: window.min, max: window.max },
    });
  } catch (err) {
    window.release();
    throw err;
  }
  t.after(async () => {
    const exited = worker.worker.subprocessClosed ? undefined : once(worker.worker, 'subprocessclose', { signal: AbortSignal.timeout(5000) });
    worker.close();
    await exited;
    window.release();
  });
  return worker;
}

/** A router for one call on `worker`, as MediaCall creates it. */
export function createRouter(worker: MediaWorker): Promise<Router> {
  return worker.createRouter({ test: true });
}
