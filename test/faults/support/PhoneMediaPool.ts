// Where the multi-host test's 100 werift peer connections run (issue 18): spread over `threads` worker
// threads (phone by phone, in turn), or in the test's own thread when `threads` is 0. One thread cannot
// carry them on the shared 2-core machine: its event loop falls behind the 20 ms tone packets and the
// test's signalling waits behind them (bench/werift-phones, docs/deployment.md).
import { Worker } from 'node:worker_threads';
import type { WeriftPhoneOptions } from '@ucserver/testkit/werift';
import { mediaHandler } from './phoneMediaWorker.ts';
import type { MediaOp, MediaReply, MediaRequest, PhoneMedia } from './PhoneMediaPoolTypes.ts';

type Send = (request: MediaOp) => Promise<unknown>;

export class PhoneMediaPool {
  readonly threads: number;
  readonly #workers: Worker[] = [];
  readonly #senders: Send[] = [];
  #nextId = 1;

  constructor(threads: number) {
    this.threads = threads;
    if (threads <= 0) {
      this.#senders.push(mediaHandler());
      return;
    }
    for (let i = 0; i < threads; i++) {
      // Only the resolution conditions (the TypeScript sources): the test runner's own flags are not a worker's.
      const execArgv = process.execArgv.filter((a) => a.startsWith('--conditions') || a.startsWith('-C'));
      const worker = new Worker(new URL('./phoneMediaWorker.ts', import.meta.url), { execArgv });
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
      let seq = 0;
      worker.on('message', (m: MediaReply) => {
        const p = pending.get(m.seq);
        pending.delete(m.seq);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value);
      });
      // A worker that dies fails what waits on it; the test then fails with that message.
      worker.on('error', (err) => {
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      });
      worker.unref();
      this.#workers.push(worker);
      this.#senders.push((request) => new Promise((resolve, reject) => {
        seq += 1;
        pending.set(seq, { resolve, reject });
        worker.postMessage({ seq, request } satisfies MediaRequest);
      }));
    }
  }

  /** A new peer connection, on the next thread in turn. */
  create(options: WeriftPhoneOptions): PhoneMedia {
    const id = this.#nextId++;
    const send = this.#senders[id % this.#senders.length]!;
    const created = send({ op: 'create', id, options });
    const call = async (request: MediaOp): Promise<unknown> => {
      await created;
      return send(request);
    };
    return {
      offer: async () => (await call({ op: 'offer', id })) as string,
      answer: async (sdp) => (await call({ op: 'answer', id, sdp })) as string,
      applyAnswer: async (sdp) => {
        await call({ op: 'applyAnswer', id, sdp });
      },
      connected: async (ms) => {
        await call({ op: 'connected', id, ms });
      },
      startTone: async (hz) => {
        await call({ op: 'startTone', id, hz });
      },
      hears: async (candidates, packets, timeoutMs) => (await call({ op: 'hears', id, candidates, packets, timeoutMs })) as number,
      receivedCount: async () => (await call({ op: 'count', id })) as number,
      close: async () => {
        await call({ op: 'close', id });
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w.terminate()));
  }
}
