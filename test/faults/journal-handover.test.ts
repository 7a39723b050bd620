// Issue 18, the journal hand-over between two cti-gateways: both on one NATS bus prefix and one
// PostgreSQL database, gw-1 writes the journal (lowest instance id). A bus peer plays the pbx-adapter
// and publishes a steady stream of call events into the CALLS stream; gw-1 is killed (SIGKILL) in the
// middle of it, with events received and not yet acknowledged (the write-behind batch). gw-2 takes the
// durable consumer over after 3 heartbeat intervals; what gw-1 had received comes again after the
// consumer's ack wait (JOURNAL_ACK_WAIT_MS). Asserted: every call's row is complete (0 lost), exactly one
// row per call (0 duplicated), and the events published before the kill are all written within the ack
// wait plus the takeover plus a margin. Measured: when gw-2 wrote its first row, and when the last of the
// pre-kill events was written. `JOURNAL_HANDOVER_ACK_WAIT_MS=30000` runs the old ack wait (the "before").
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BusClient, CallTopics, GatewayTopics, type CallEvent } from '@ucserver/shared';
import { dbSchema, openDatabase, type Database } from '@ucserver/shared/db';
import { check, createTestDatabase, freePort, natsUrl, testLineCredentialsKey, testLogger, uniquePrefix } from '@ucserver/testkit';
import { inArray } from 'drizzle-orm';
import { NodeService } from '../e2e/support/NodeService.ts';
import { artifactsRoot } from '../e2e/support/paths.ts';

const HEARTBEAT_MS = 500;
const ACK_WAIT_MS = Number(process.env.JOURNAL_HANDOVER_ACK_WAIT_MS ?? 5000);
const CALLS = 150;
const TICK_MS = 40;
const KILL_AT_TICK = 60;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let peer: BusClient;
const gateways: NodeService[] = [];

const prefix = uniquePrefix();
const logDir = join(artifactsRoot, 'faults-journal-handover');

async function gateway(id: string): Promise<NodeService> {
  const service = NodeService.start('cti-gateway', id, {
    NATS_URL: natsUrl,
    BUS_PREFIX: prefix,
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(await freePort({ tcp: true })),
    CTI_TCP_HOST: '127.0.0.1',
    CTI_TCP_PORT: String(await freePort({ tcp: true })),
    ADMIN_TOKEN: randomBytes(16).toString('hex'),
    LINE_CREDENTIALS_KEY: testLineCredentialsKey,
    GATEWAY_INSTANCE_ID: id,
    GATEWAY_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    JOURNAL_ACK_WAIT_MS: String(ACK_WAIT_MS),
    LOG_LEVEL: 'info',
  }, logDir);
  gateways.push(service);
  await service.waitReady(60_000);
  return service;
}

before(async () => {
  mkdirSync(logDir, { recursive: true });
  db = await createTestDatabase();
  database = await openDatabase({ url: db.url });
  peer = await BusClient.connect({ servers: natsUrl, prefix, name: 'journal-handover-peer', logger: testLogger('peer') });
});

after(async () => {
  for (const g of gateways) await g.stop('SIGKILL').catch(() => undefined);
  await peer?.close();
  await database?.close();
  await db?.drop();
});

test('kill -9 of the journal-writing gateway mid-stream: gw-2 writes every event, none lost, none twice, within the ack wait', async () => {
  const gw1 = await gateway('gw-1');
  // gw-1 creates the schema (migrations); the line the calls are on.
  const [line] = await database.db.insert(dbSchema.lines).values({ number: '100', sipUri: 'sip:100@pbx', registrar: 'pbx' }).returning();
  assert.ok(line);
  const leaders = new Map<string, boolean>();
  const sub = peer.subscribe(GatewayTopics.heartbeat, (hb) => void leaders.set(hb.instanceId, hb.journal ?? false));
  const gw2 = await gateway('gw-2');
  await check(() => leaders.get('gw-1') === true && leaders.get('gw-2') === false, 10_000, { name: 'gw-1 writes the journal, gw-2 stands by', intervalMs: 50 });

  // Call k: dialing at tick k, connected at tick k+1, disconnected at tick k+2 (calls overlap).
  const t0 = Date.now();
  const ids = Array.from({ length: CALLS }, (_, k) => `handover-${prefix}-${k}`);
  const event = (k: number, step: number): CallEvent => {
    const base = { callId: ids[k]!, lineId: line.id, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101', at: t0 + (k + step) * TICK_MS, seq: step + 1 };
    if (step === 0) return { ...base, state: 'dialing' };
    if (step === 1) return { ...base, state: 'connected' };
    return { ...base, state: 'disconnected', cause: 'normal', sipStatus: 200 };
  };
  let killedAt = 0;
  /** Calls whose every event was published before the kill; how many of them had no complete row at it. */
  let completeBeforeKill = 0;
  let pendingAtKill = 0;
  const rows = () => database.db.select().from(dbSchema.calls).where(inArray(dbSchema.calls.callId, ids));
  const done = (r: { lastSeq: number; endedAt: Date | null }) => r.lastSeq === 3 && r.endedAt !== null;
  for (let tick = 0; tick < CALLS + 2; tick += 1) {
    const due = Date.now() + TICK_MS;
    for (let step = 0; step < 3; step += 1) {
      const k = tick - step;
      if (k >= 0 && k < CALLS) await peer.publishDurable(CallTopics.event, event(k, step));
    }
    if (tick === KILL_AT_TICK) {
      completeBeforeKill = tick - 1;
      killedAt = Date.now();
      await gw1.stop('SIGKILL');
      const written = new Set((await rows()).filter(done).map((r) => r.callId));
      pendingAtKill = ids.slice(0, completeBeforeKill).filter((id) => !written.has(id)).length;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }

  // Every event published before the kill (call k's first KILL_AT_TICK - k + 1 events): when are they all written?
  const preKill = new Set(ids.slice(0, completeBeforeKill));
  const publishedBefore = (k: number) => Math.min(3, KILL_AT_TICK - k + 1);
  const preKillWritten = async () => {
    const byId = new Map((await rows()).map((r) => [r.callId, r]));
    return ids.slice(0, KILL_AT_TICK + 1).every((id, k) => {
      const r = byId.get(id);
      return r !== undefined && r.lastSeq >= publishedBefore(k) && (publishedBefore(k) < 2 || r.answeredAt !== null);
    });
  };
  await check(preKillWritten, ACK_WAIT_MS + 3 * HEARTBEAT_MS + 15_000, { name: 'every event published before the kill written', intervalMs: 50 });
  const preKillWrittenMs = Date.now() - killedAt;
  await check(async () => (await rows()).filter(done).length === CALLS, 30_000, { name: 'every call written', intervalMs: 100 });
  const allWrittenMs = Date.now() - killedAt;
  sub.unsubscribe();

  const all = await rows();
  console.log(`journal hand-over (ack wait ${ACK_WAIT_MS} ms, heartbeat ${HEARTBEAT_MS} ms): ${pendingAtKill} of the ${preKill.size} calls published before the kill not yet complete in the database at the kill; every event published before the kill written ${preKillWrittenMs} ms after the kill, every call ${allWrittenMs} ms`);
  assert.equal(all.length, CALLS, 'one row per call: none lost, none twice');
  // Every event applied, in its call's order: a 'disconnected' applied before its 'connected' leaves no answer time.
  const wrong = all.filter((r) => {
    const k = ids.indexOf(r.callId);
    return r.lastSeq !== 3 || r.disconnectCause !== 'normal' || r.answeredAt?.getTime() !== t0 + (k + 1) * TICK_MS || r.endedAt?.getTime() !== t0 + (k + 2) * TICK_MS;
  }).map((r) => `${ids.indexOf(r.callId)} (seq ${r.lastSeq}, answered ${r.answeredAt?.getTime() ?? '-'}, ended ${r.endedAt?.getTime() ?? '-'})`);
  assert.deepEqual(wrong, [], `rows not as their events say (call index; the kill at tick ${KILL_AT_TICK}, t0 ${t0})`);
  const extra = await database.db.select({ n: dbSchema.calls.callId }).from(dbSchema.calls);
  assert.equal(extra.length, CALLS, 'no other row');
  assert.ok(gw2.process, 'gw-2 still runs');
  assert.ok(preKillWrittenMs < ACK_WAIT_MS + 3 * HEARTBEAT_MS + 5000, `pre-kill events written within the ack wait + takeover + 5 s (${preKillWrittenMs} ms)`);
});
