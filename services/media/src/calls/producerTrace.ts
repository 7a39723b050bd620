// mediasoup keeps one set of trace types per Producer (enableTraceEvent replaces it), so two users of a
// Producer's traces — the capture's sender reports, the frame-rate probe's RTP — must not switch off each
// other's: each asks for its types here and releases them; the Producer traces the union.
import type { Producer, ProducerTraceEventType } from 'mediasoup/types';

const wanted = new WeakMap<Producer, Map<ProducerTraceEventType, number>>();

function apply(producer: Producer): Promise<void> {
  if (producer.closed) return Promise.resolve();
  const types = [...(wanted.get(producer)?.keys() ?? [])];
  return producer.enableTraceEvent(types);
}

/** Adds `types` to what `producer` traces; the returned function takes them back (once). */
export async function acquireTrace(producer: Producer, types: readonly ProducerTraceEventType[]): Promise<() => Promise<void>> {
  let counts = wanted.get(producer);
  if (!counts) wanted.set(producer, (counts = new Map()));
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  await apply(producer);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    for (const t of types) {
      const n = (counts.get(t) ?? 1) - 1;
      if (n <= 0) counts.delete(t);
      else counts.set(t, n);
    }
    // A closed producer traces nothing anyway.
    await apply(producer).catch(() => undefined);
  };
}
