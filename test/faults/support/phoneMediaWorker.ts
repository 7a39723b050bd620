// The peer connections of the multi-host test's phones (issue 18), served by id: in a worker thread of
// PhoneMediaPool (this module as the worker's entry) or, with no threads, in the test's own thread
// through the same handler. A worker thread shares the test process's network namespace.
import { isMainThread, parentPort } from 'node:worker_threads';
import { dominantFrequency } from '@ucserver/testkit';
import { WeriftPhone } from '@ucserver/testkit/werift';
import type { MediaOp, MediaReply, MediaRequest } from './PhoneMediaPoolTypes.ts';

/** A handler over its own set of phones. */
export function mediaHandler(): (request: MediaOp) => Promise<unknown> {
  const phones = new Map<number, WeriftPhone>();
  const phone = (id: number): WeriftPhone => {
    const p = phones.get(id);
    if (!p) throw new Error(`no media for phone ${id} (closed)`);
    return p;
  };
  return async (r) => {
    switch (r.op) {
      case 'create':
        phones.set(r.id, new WeriftPhone(r.options));
        return undefined;
      case 'offer':
        return phone(r.id).offer();
      case 'answer':
        return phone(r.id).answer(r.sdp);
      case 'applyAnswer':
        return phone(r.id).applyAnswer(r.sdp);
      case 'connected':
        return phone(r.id).connected(r.ms);
      case 'startTone':
        phone(r.id).startTone(r.hz);
        return undefined;
      case 'hears': {
        const p = phone(r.id);
        const got = await p.capture(r.packets, r.timeoutMs);
        return dominantFrequency(p.samples(got), r.candidates, 8000).frequency;
      }
      case 'count':
        return phone(r.id).receivedCount;
      case 'close': {
        const p = phones.get(r.id);
        phones.delete(r.id);
        await p?.close();
        return undefined;
      }
    }
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const handle = mediaHandler();
  port.on('message', (m: MediaRequest) => {
    handle(m.request).then(
      (value) => port.postMessage({ seq: m.seq, value } satisfies MediaReply),
      (err: unknown) => port.postMessage({ seq: m.seq, error: (err as Error).message ?? String(err) } satisfies MediaReply),
    );
  });
}
