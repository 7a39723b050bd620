import { CallTopics, type BusClient, type Unsubscribe } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';

/**
 * Feeds the live call table from the call stream: the pbx-adapter's call events and the media nodes'
 * media events (plain subscriptions: the table needs only what happens while the gateway runs; the
 * journal has its own durable consumer). Returns the stop function.
 */
export function startCallFeed(bus: BusClient, calls: CallRegistry): () => void {
  const subs: Unsubscribe[] = [
    bus.subscribe(CallTopics.event, (e) => void calls.applyCallEvent(e)),
    bus.subscribe(CallTopics.media, (e) => calls.applyMediaEvent(e)),
  ];
  return () => subs.forEach((sub) => sub.unsubscribe());
}
