// What the crash tests observe from outside the crashed service: the PBX's own counters (Kamailio's
// core statistics over its RPC: every BYE it received and the answers to them), the gateway's admin API
// (live calls, journal rows), each with the state it found when a bounded wait runs out, so a failing
// run says what stayed open.
import { jetstreamManager } from '@nats-io/jetstream';
import { BusClient, PbxBuckets } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import type { E2eStack, JournalRow } from '../../e2e/support/E2eStack.ts';

export interface ByeCounters {
  /** BYE requests Kamailio received (ours, relayed on to the other leg). */
  byes: number;
  /** 2xx answers to BYEs Kamailio received. */
  byeOk: number;
  /** 4xx answers to BYEs Kamailio received (481: that end of the dialog was already gone). */
  byeGone: number;
}

/** Kamailio's BYE counters (`stats.get_statistics core:`). */
export async function byeCounters(stack: E2eStack): Promise<ByeCounters> {
  const stats = await stack.kamailio!.rpc<string[]>('stats.get_statistics', 'core:');
  const value = (name: string): number => {
    const line = stats.find((s) => s.startsWith(`core:${name} =`));
    if (line === undefined) throw new Error(`kamailio has no statistic core:${name}`);
    return Number(line.split('=')[1]);
  };
  return { byes: value('rcv_requests_bye'), byeOk: value('rcv_replies_2xx_bye'), byeGone: value('rcv_replies_4xx_bye') };
}

export interface LiveCall {
  callId: string;
  state: string;
  lineNumber?: string;
}

/** Calls the gateway lists as not disconnected. */
export async function liveCalls(stack: E2eStack): Promise<LiveCall[]> {
  const calls = await stack.admin<LiveCall[]>('GET', '/api/v1/calls');
  return calls.filter((c) => c.state !== 'disconnected');
}

/** Journal rows of these calls. */
export async function rowsOf(stack: E2eStack, callIds: string[]): Promise<JournalRow[]> {
  const rows = await stack.journal();
  return callIds.map((id) => rows.find((r) => r.callId === id)).filter((r): r is JournalRow => r !== undefined);
}

/**
 * Waits until `done` holds (at most until `deadline`, an epoch ms); on time-out the error carries
 * `describe()`, the state that was still wrong.
 */
export async function before<T>(deadline: number, name: string, done: () => Promise<T | undefined>, describe: () => Promise<string>): Promise<T> {
  try {
    return await check(done, Math.max(1, deadline - Date.now()), { name, intervalMs: 200 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; found: ${await describe().catch((e: unknown) => `(unavailable: ${(e as Error).message})`)}`, { cause: err });
  }
}

/** The keys of the pbx-adapter's call snapshots (bucket `<PREFIX>_PBX_CALLS`), read as an operator would. */
export async function snapshotKeys(stack: E2eStack): Promise<string[]> {
  const bus = await BusClient.connect({ servers: stack.natsUrl, prefix: stack.busPrefix, name: 'fault-test', logger: testLogger('fault-test') });
  try {
    // Read, not opened through bus.kv(): that would set the bucket's limits to ours.
    const jsm = await jetstreamManager(bus.connection);
    const info = await jsm.streams.info(bus.subjects.kvStream(PbxBuckets.calls), { subjects_filter: bus.subjects.kvSubject(PbxBuckets.calls) });
    return Object.keys(info.state.subjects ?? {});
  } finally {
    await bus.close();
  }
}
