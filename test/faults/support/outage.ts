// What the bus-outage and media-crash tests need beyond the crash checks: a NATS outage of a given length
// (nats-server killed, then started again on its port with its JetStream store), the moment every service
// is ready again, and the softphones' view of their running call.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserUser, CallSnapshot } from '../../e2e/support/BrowserUser.ts';
import type { E2eStack } from '../../e2e/support/E2eStack.ts';

export interface Outage {
  /** When nats-server was killed (epoch ms). */
  killedAt: number;
  /** When it accepted connections again. */
  backAt: number;
  /** When every service reported /readyz 200 again (its NATS connection restored). */
  readyAt: number;
}

/**
 * kill -9 of nats-server, `durationMs` without it (`during` runs meanwhile, e.g. assertions that need the
 * outage), then the same server again; resolves once every service is ready.
 */
export async function natsOutage(stack: E2eStack, durationMs: number, during?: (killedAt: number) => Promise<void>): Promise<Outage> {
  const killedAt = Date.now();
  await stack.stopNats('SIGKILL');
  await Promise.all([sleep(durationMs), during?.(killedAt)]);
  await stack.startNats();
  const backAt = Date.now();
  for (const s of [stack.gateway!, stack.pbxAdapter!, ...stack.media]) await s.waitReady(30_000);
  const readyAt = Date.now();
  stack.log(`NATS outage: down ${backAt - killedAt} ms, every service ready ${readyAt - backAt} ms after the server was back`);
  return { killedAt, backAt, readyAt };
}

/** The softphone's newest call. */
export async function currentCall(b: BrowserUser): Promise<CallSnapshot> {
  const call = (await b.state()).calls[0];
  if (!call) throw new Error(`${b.name} has no call`);
  return call;
}

/** True while the call has never left connected since it was answered (no disconnect, no drop). */
export const stillConnected = (c: CallSnapshot): boolean => c.state === 'connected' && !c.history.includes('disconnected') && !c.history.includes('destroyed') && c.cause === undefined;
