import { LineCommands, LineTopics, sealLineConfig, type BusClient, type LineConfig, type Logger, type SealingKey, type Unsubscribe } from '@ucserver/shared';
import type { LineStore } from '../lines/LineStore.ts';
import type { RegistrationStates } from '../lines/RegistrationStates.ts';

/**
 * The lines side of the bus: the pbx-adapter asks for every line (`lines.list`) and hears of changes
 * (`lines.changed`); registration states flow back and are kept for CTI and the admin API. Each line's
 * SIP password leaves sealed with `credentialsKey` (LINE_CREDENTIALS_KEY), which only the pbx-adapter
 * also holds.
 */
export async function startLineService(bus: BusClient, store: LineStore, states: RegistrationStates, logger: Logger, credentialsKey: SealingKey): Promise<() => void> {
  const subs: Unsubscribe[] = [];
  subs.push(bus.lines.serve(LineCommands.list, async ({ offset, limit }) => {
    const { lines, total } = await store.configPage(offset, limit);
    return { lines: lines.map((l) => sealLineConfig(credentialsKey, l)), total, nextOffset: offset + lines.length < total ? offset + lines.length : null };
  }, { queue: 'cti-gateway' }));
  const onUpsert = (line: LineConfig): void => {
    bus.publish(LineTopics.changed, { kind: 'upsert', line: sealLineConfig(credentialsKey, line) });
  };
  const onRemove = (lineId: string): void => {
    states.forget(lineId);
    bus.publish(LineTopics.changed, { kind: 'remove', lineId });
  };
  store.on('upsert', onUpsert);
  store.on('remove', onRemove);
  subs.push(bus.subscribe(LineTopics.registration, (state) => states.apply(state)));
  // Catch up with states reported before we started; the adapter may not be up yet, which is fine.
  try {
    const { states: known } = await bus.lines.request(LineCommands.registrations, {}, { timeoutMs: 1000 });
    for (const st of known) states.apply(st);
  } catch (err) {
    logger.debug({ err: (err as Error).message }, 'no registration snapshot from the pbx-adapter yet');
  }
  return () => {
    store.off('upsert', onUpsert);
    store.off('remove', onRemove);
    for (const sub of subs) sub.unsubscribe();
  };
}
