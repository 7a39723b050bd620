// Issue 18, the multi-host fault test: every service in its own host (a network namespace on a bridge,
// support/MultiHostStack.ts: nats-1..3, gw-a/gw-b, pbx-a/pbx-b, media-a/media-b, pbx with Kamailio and
// rtpengine), 50 concurrent calls between 100 ENetUC softphone users through the PBX (media via the
// PBX), half of the users on each gateway, each user knowing both gateways. Every call is real WebRTC
// (werift: ICE, DTLS, SRTP from the test's address; 100 peer connections in this process, see
// bench/werift-phones) with a tone of its own each way (phone i sends toneOf(i)). Four rounds, each with
// 50 calls established anew: kill -9 of one NATS server, of gw-a, of the active pbx-adapter, of a media
// node. Each round prints and asserts: which calls survived (exactly those the killed part did not
// carry) and that each still carries both tones, which ended and with what cause and that no media
// reaches their phones any more, the time until a new call succeeded, the clients that reconnected, and
// the journal (PostgreSQL, table calls): no row lost, none left open. The killed part is started again
// after its round (as a restart policy would). The probe pair (first new call after the kill) is
// signalling-only, so that time stays comparable with the earlier runs.
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { enterNetworkNamespace } from '@ucserver/testkit';
import { HostPhone, type GatewayAddress, type HostCall } from './support/HostPhone.ts';
import { MultiHostStack, type JournalDbRow } from './support/MultiHostStack.ts';
import { PhoneMediaPool } from './support/PhoneMediaPool.ts';
import { before as by } from './support/recoveryChecks.ts';

await enterNetworkNamespace();

const PAIRS = 50;
const PROBE = ['1100', '1101'];
/**
 * Phone i (line 1000 + i) sends toneOf(i): pair k's caller toneOf(2k), its callee toneOf(2k + 1), 300 to
 * 3270 Hz, 30 Hz apart. What a phone hears is the loudest of all of them, so a tone of another call (media
 * crossed between calls) fails as surely as silence. 30 Hz is 15 periods apart over the 25-packet
 * (0.5 s) window: Goertzel at a neighbour's frequency sees next to nothing of a tone.
 */
const toneOf = (i: number): number => 300 + 30 * i;
const TONES = Array.from({ length: 2 * PAIRS }, (_, i) => toneOf(i));
/** How long the ended calls' phones listen for media that should no longer come. */
const SILENCE_MS = 1000;
/**
 * Worker threads for the 100 peer connections (0: the test's own thread). Two, on the 2-core machine: in
 * the test's thread they starve its signalling, and the tones fall to half their packets
 * (bench/werift-phones; the numbers in docs/deployment.md).
 */
const MEDIA_THREADS = Number(process.env.MULTI_HOST_MEDIA_THREADS ?? 2);
const SETUP_TIMEOUT_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Pair {
  k: number;
  caller: HostPhone;
  callee: HostPhone;
  out?: HostCall;
  in?: HostCall;
}

interface RoundRow {
  killed: string;
  calls: number;
  survived: number;
  ended: string;
  recoveryMs: number;
  clients: string;
  rowsLost: number;
  rowsOpen: number;
  audio: string;
  stopped: string;
  load: string;
}

let stack: MultiHostStack;
const mediaPool = new PhoneMediaPool(MEDIA_THREADS);
const phones: HostPhone[] = [];
let pairs: Pair[] = [];
let probe: { caller: HostPhone; callee: HostPhone };
const table: RoundRow[] = [];
/** Every call id of a call that connected (both legs): each must have its journal row. */
const knownCallIds = new Set<string>();

async function forEachLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

before(async () => {
  stack = await MultiHostStack.start();
  const lines = [...Array.from({ length: 2 * PAIRS }, (_, i) => String(1000 + i)), ...PROBE];
  await stack.seed(lines);
  await stack.waitRegistered(lines, 180_000);
  stack.log(`${lines.length} users with registered lines`);
  const gw = (name: string): GatewayAddress => ({ name, host: stack.host(name).address, port: 7222 });
  const both = (first: 'gw-a' | 'gw-b'): GatewayAddress[] => (first === 'gw-a' ? [gw('gw-a'), gw('gw-b')] : [gw('gw-b'), gw('gw-a')]);
  const phone = async (line: string, first: 'gw-a' | 'gw-b', toneHz?: number): Promise<HostPhone> => {
    const p = await HostPhone.connect({
      login: `u${line}`, password: `secret-${line}`, line, gateways: both(first), log: (m) => stack.log(m),
      ...(toneHz === undefined ? {} : { webrtc: { address: stack.network.address, toneHz, pool: mediaPool } }),
    });
    phones.push(p);
    return p;
  };
  // Pair k: caller on gw-a when k is even, callee on gw-a when k % 4 < 2, so the pairs go a→a, b→a, a→b, b→b.
  pairs = Array.from({ length: PAIRS }, (_, k) => ({ k }) as Pair);
  await forEachLimited(pairs, 8, async (p) => {
    p.caller = await phone(String(1000 + 2 * p.k), p.k % 2 === 0 ? 'gw-a' : 'gw-b', toneOf(2 * p.k));
    p.callee = await phone(String(1001 + 2 * p.k), p.k % 4 < 2 ? 'gw-a' : 'gw-b', toneOf(2 * p.k + 1));
  });
  probe = { caller: await phone(PROBE[0]!, 'gw-a'), callee: await phone(PROBE[1]!, 'gw-b') };
  stack.log(`${phones.length} softphones logged in`);
}, { timeout: 400_000 });

after(async () => {
  for (const p of phones) await p.close();
  if (table.length) {
    const head = '| killed (kill -9) | calls | survived | calls with audio both ways | ended (caller / callee cause) | ended calls\' media stopped | first new call after | clients reconnected | journal rows lost | rows left open | load (1 min) |';
    const rows = table.map((r) => `| ${r.killed} | ${r.calls} | ${r.survived} | ${r.audio} | ${r.ended} | ${r.stopped} | ${(r.recoveryMs / 1000).toFixed(1)} s | ${r.clients} | ${r.rowsLost} | ${r.rowsOpen} | ${r.load} |`);
    process.stderr.write(`\n${[head, `|${'---|'.repeat(11)}`, ...rows].join('\n')}\n\n`);
  }
  await mediaPool.close();
  await stack?.stop();
}, { timeout: 120_000 });

/** One call between the two phones; its call ids join `ids`. */
async function oneCall(caller: HostPhone, callee: HostPhone, ids: Set<string>): Promise<{ out: HostCall; in: HostCall }> {
  const incoming = callee.nextIncoming(SETUP_TIMEOUT_MS);
  incoming.catch(() => undefined);
  try {
    const out = await caller.call(callee.line, SETUP_TIMEOUT_MS);
    const inc = await incoming;
    for (const id of [out.ctiCallId, inc.ctiCallId]) {
      ids.add(id);
      knownCallIds.add(id);
    }
    return { out, in: inc };
  } catch (err) {
    callee.cancelIncoming();
    await caller.hangUp();
    await callee.hangUp();
    throw err;
  }
}

/** 50 calls up (3 attempts each), all journal rows open and answered, tones both ways on every one. */
async function establishAll(ids: Set<string>): Promise<void> {
  const t0 = Date.now();
  await forEachLimited(pairs, 8, async (p) => {
    for (let attempt = 1; ; attempt++) {
      try {
        ({ out: p.out, in: p.in } = await oneCall(p.caller, p.callee, ids));
        return;
      } catch (err) {
        stack.log(`pair ${p.k}: call attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}`);
        if (attempt >= 3) throw err;
        await sleep(2000);
      }
    }
  });
  const callIds = pairs.flatMap((p) => [p.out!.ctiCallId, p.in!.ctiCallId]);
  await by(Date.now() + 30_000, `${callIds.length} journal rows open and answered, with their media node`, async () => {
    const rows = await stack.journal(callIds);
    return rows.length === callIds.length && rows.every((r) => r.answered_at && !r.ended_at && r.media_node) ? true : undefined;
  }, async () => JSON.stringify((await stack.journal(callIds)).filter((r) => !r.answered_at || r.ended_at || !r.media_node).slice(0, 5)));
  const up = Date.now() - t0;
  const deaf = await withoutAudio(pairs);
  assert.deepEqual(deaf, [], 'every call carries its tones both ways after the setup');
  stack.log(`${PAIRS} calls up in ${up} ms, tones both ways on all (checked in ${Date.now() - t0 - up} ms)`);
}

/**
 * The calls among `ps` that do not carry their tones both ways: every phone listens at once (25 packets,
 * 0.5 s), each must hear its partner's tone loudest of all the test's tones. Returns "pair k: what was
 * wrong" for each.
 */
async function withoutAudio(ps: Pair[]): Promise<string[]> {
  const heard = async (listener: HostPhone, want: number): Promise<string | undefined> => {
    try {
      const f = await listener.hears(TONES);
      return f === want ? undefined : `${listener.login} heard ${f} Hz, not ${want} Hz`;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const results = await Promise.all(ps.map(async (p) => {
    const wrong = (await Promise.all([heard(p.callee, toneOf(2 * p.k)), heard(p.caller, toneOf(2 * p.k + 1))])).filter((x) => x !== undefined);
    return wrong.length ? `pair ${p.k}: ${wrong.join('; ')}` : undefined;
  }));
  return results.filter((x) => x !== undefined);
}

/** The ended calls among `ps` whose phones still receive RTP (both keep sending their tone): "pair k: n packets". */
async function withMedia(ps: Pair[]): Promise<string[]> {
  const results = await Promise.all(ps.map(async (p) => {
    const [a, b] = await Promise.all([p.caller.receivedIn(SILENCE_MS), p.callee.receivedIn(SILENCE_MS)]);
    return a + b > 0 ? `pair ${p.k}: ${a} packets at the caller, ${b} at the callee in ${SILENCE_MS} ms` : undefined;
  }));
  return results.filter((x) => x !== undefined);
}

/** Kamailio's count of BYE requests received. */
async function byes(): Promise<number> {
  const stats = await stack.kamailio!.rpc<string[]>('stats.get_statistics', 'core:');
  return Number(stats.find((s) => s.startsWith('core:rcv_requests_bye ='))?.split('=')[1] ?? Number.NaN);
}

/** The first new call after `since` (retried until it connects, at most `limitMs`): ms after `since`. */
async function firstNewCall(since: number, ids: Set<string>, limitMs = 90_000): Promise<number> {
  let last: unknown;
  while (Date.now() < since + limitMs) {
    try {
      await oneCall(probe.caller, probe.callee, ids);
      const at = Date.now() - since;
      await probe.caller.hangUp();
      await by(Date.now() + 15_000, 'the probe callee told of the hang-up', async () => (probe.callee.current?.endedCause ? true : undefined), async () => JSON.stringify(probe.callee.current));
      probe.callee.forget();
      return at;
    } catch (err) {
      last = err;
      // Each failed attempt in the log, with when it failed: what a user calling during the outage saw.
      stack.log(`probe call failed ${Date.now() - since} ms after the kill: ${(err as Error).message}`);
      await sleep(1000);
    }
  }
  throw new Error(`no new call connected within ${limitMs} ms after the kill: ${(last as Error | undefined)?.message}`);
}

const tally = (items: string[]): string => [...items.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n}× ${k}`).join(', ') || '—';

interface Round {
  /** What was killed, for the table. */
  killed: string;
  /** The calls the kill must end (decided before it). */
  ends: (p: Pair, rows: Map<string, JournalDbRow>) => boolean;
  kill: () => Promise<void>;
  /** Bound for the ended calls' journal rows to close after the kill. */
  closedWithinMs: number;
  /** The cause at least one row of every ended call carries. */
  cause?: string;
  /** How long to keep watching the survivors after the ended calls closed. */
  settleMs: number;
  /** Checks after the ended calls closed (the PBX's BYEs, the takeover, the media legs' timing). */
  check?: (ended: Pair[], survivors: Pair[]) => Promise<void>;
  restart: () => Promise<void>;
}

async function runRound(r: Round): Promise<void> {
  // A failed earlier round may have left calls up: each round starts from idle phones.
  for (const p of [...pairs, probe]) {
    await p.caller.hangUp();
    await p.callee.hangUp();
  }
  const ids = new Set<string>();
  await establishAll(ids);
  const rowMap = new Map((await stack.journal([...ids])).map((x): [string, JournalDbRow] => [x.call_id, x]));
  const expected = new Set(pairs.filter((p) => r.ends(p, rowMap)));
  for (const ph of phones) ph.lostAt = ph.backAt = undefined;
  const reconnects0 = phones.reduce((n, ph) => n + ph.reconnects, 0);
  const tokenLogins0 = phones.reduce((n, ph) => n + ph.tokenLogins, 0);
  const load = loadavg()[0]!.toFixed(1);
  const killedAt = Date.now();
  await r.kill();
  stack.log(`killed ${r.killed}; ${expected.size} of ${PAIRS} calls must end`);
  // New calls from the probe pair from the moment of the kill, while the checks below run.
  const recovery = firstNewCall(killedAt, ids);
  recovery.catch(() => undefined);

  const legIds = (ps: Pair[]): string[] => ps.flatMap((p) => [p.out!.ctiCallId, p.in!.ctiCallId]);
  if (expected.size > 0) {
    const endIds = legIds([...expected]);
    await by(killedAt + r.closedWithinMs, `the ${expected.size} calls of the killed part closed in the journal within ${r.closedWithinMs} ms`, async () => {
      const rows = await stack.journal(endIds);
      return rows.length === endIds.length && rows.every((x) => x.ended_at) ? true : undefined;
    }, async () => JSON.stringify((await stack.journal(endIds)).filter((x) => !x.ended_at).slice(0, 5)));
    stack.log(`their journal rows closed ${Date.now() - killedAt} ms after the kill`);
  }
  await sleep(r.settleMs);
  const rows = new Map((await stack.journal(legIds(pairs))).map((x): [string, JournalDbRow] => [x.call_id, x]));
  const rowsOf = (p: Pair): [JournalDbRow | undefined, JournalDbRow | undefined] => [rows.get(p.out!.ctiCallId), rows.get(p.in!.ctiCallId)];
  const survivors = pairs.filter((p) => rowsOf(p).every((x) => x && !x.ended_at));
  const ended = pairs.filter((p) => rowsOf(p).every((x) => x?.ended_at));
  const causes = ended.map((p) => rowsOf(p).map((x) => x!.disconnect_cause).join(' / '));
  stack.log(`survived ${survivors.length}, ended ${ended.length}: ${tally(causes)}`);
  assert.deepEqual(ended.map((p) => p.k), [...expected].map((p) => p.k), 'exactly the calls of the killed part ended');
  assert.equal(survivors.length, PAIRS - expected.size, 'every other call survived, none half-ended');
  if (r.cause) for (const p of ended) assert.ok(rowsOf(p).some((x) => x!.disconnect_cause === r.cause), `pair ${p.k}: a row ends '${r.cause}' (${causes[ended.indexOf(p)]})`);
  for (const p of survivors) assert.ok(!p.out!.endedCause && !p.in!.endedCause, `pair ${p.k} survived, and its clients heard of no end`);
  await by(Date.now() + 15_000, 'every client of an ended call told (drop event or lost connection)', async () => (ended.every((p) => p.out!.endedCause && p.in!.endedCause) ? true : undefined),
    async () => JSON.stringify(ended.filter((p) => !p.out!.endedCause || !p.in!.endedCause).map((p) => p.k)));
  await r.check?.(ended, survivors);
  // Media: every survivor still carries both tones; no RTP reaches the phones of an ended call (its rows
  // are closed and both its clients told: the system has torn its media down).
  const deaf = await withoutAudio(survivors);
  const flowing = await withMedia(ended);
  stack.log(`tones both ways on ${survivors.length - deaf.length} of ${survivors.length} survivors; media stopped on ${ended.length - flowing.length} of ${ended.length} ended calls`);
  for (const p of ended) {
    p.caller.forget();
    p.callee.forget();
  }
  assert.deepEqual(deaf, [], 'every surviving call carries its tones both ways');
  assert.deepEqual(flowing, [], 'no media reaches the phones of an ended call');

  const recoveryMs = await recovery;
  stack.log(`first new call connected ${recoveryMs} ms after the kill`);
  const lost = phones.filter((ph) => ph.lostAt !== undefined);
  await Promise.all(lost.map((ph) => ph.settled()));
  const back = lost.filter((ph) => ph.backAt !== undefined);
  const reconnected = phones.reduce((n, ph) => n + ph.reconnects, 0) - reconnects0;
  const byToken = phones.reduce((n, ph) => n + ph.tokenLogins, 0) - tokenLogins0;
  const backMs = back.length ? Math.max(...back.map((ph) => ph.backAt! - killedAt)) : 0;
  assert.equal(back.length, lost.length, `every client cut off logged in again (${lost.length - back.length} did not)`);
  await r.restart();

  // The survivors hang up normally; then every row of the round is closed and none is missing.
  for (const p of survivors) await p.caller.hangUp();
  await by(Date.now() + 20_000, 'the survivors\' callees told of the hang-up', async () => (survivors.every((p) => p.callee.current?.endedCause) ? true : undefined), async () => 'some callee still in its call');
  for (const p of pairs) {
    await p.callee.hangUp();
    p.caller.forget();
  }
  await by(Date.now() + 60_000, 'no journal row open', async () => ((await stack.openRows()).length === 0 ? true : undefined), async () => JSON.stringify((await stack.openRows()).slice(0, 5)));
  const found = await stack.journal([...ids]);
  const row: RoundRow = {
    killed: r.killed,
    calls: PAIRS,
    survived: survivors.length,
    ended: `${ended.length}${ended.length ? ` (${tally(causes)})` : ''}`,
    recoveryMs,
    clients: lost.length ? `${back.length} of ${lost.length} (${reconnected} logins, ${byToken} with the token; all back ${(backMs / 1000).toFixed(1)} s after the kill)` : 'none cut off',
    rowsLost: ids.size - found.length,
    rowsOpen: (await stack.openRows()).length,
    audio: `${survivors.length - deaf.length} of ${survivors.length}`,
    stopped: ended.length ? `${ended.length - flowing.length} of ${ended.length}` : '—',
    load,
  };
  table.push(row);
  stack.log(`round: ${JSON.stringify(row)}`);
  assert.equal(row.rowsLost, 0, 'journal rows lost');
  assert.equal(row.rowsOpen, 0, 'journal rows left open');
}

test('kill -9 of one NATS server of three: every call survives, none ends', async () => {
  const victim = stack.nats!.servers[1]!;
  const nc = await natsConnect({ servers: stack.nats!.urls.split(',') });
  const led: string[] = [];
  try {
    const jsm = await jetstreamManager(nc);
    for await (const si of jsm.streams.list()) if (si.cluster?.leader === 'n2') led.push(si.config.name);
  } finally {
    await nc.close();
  }
  await runRound({
    killed: `nats-2 (led ${led.length} stream(s)${led.length ? `: ${led.join(', ')}` : ''})`,
    ends: () => false,
    kill: () => victim.stop(),
    closedWithinMs: 0,
    // The JetStream elections for what nats-2 led take 5–7 s on a loaded machine: watch beyond them.
    settleMs: 15_000,
    restart: () => victim.restart(),
  });
});

test('kill -9 of gw-a: its clients log in at gw-b, the calls it owned end (gateway-lost, BYE at the PBX), the others survive', async () => {
  const gwA = stack.gateways.get('gw-a')!;
  let byes0 = 0;
  await runRound({
    killed: 'cti-gateway gw-a',
    ends: (p) => p.out!.gateway === 'gw-a' || p.in!.gateway === 'gw-a',
    kill: async () => {
      byes0 = await byes();
      await gwA.stop('SIGKILL');
    },
    // 3 heartbeats (1 s) + GATEWAY_LOSS_GRACE_MS 3 s, then the journal: its writer may be the dead
    // gateway, whose unacknowledged events come again after the ack wait (30 s).
    closedWithinMs: 60_000,
    cause: 'gateway-lost',
    settleMs: 5000,
    check: async (ended) => {
      const n = (await byes()) - byes0;
      stack.log(`BYEs at the PBX since the kill: ${n}`);
      assert.ok(n >= ended.length, `a BYE at the PBX for each ended call (${n} for ${ended.length})`);
    },
    restart: () => gwA.restart(90_000),
  });
});

test('kill -9 of the active pbx-adapter: the standby takes over, every call it carried ends (service-restart), new calls work', async () => {
  const active = await by(Date.now() + 15_000, 'one active adapter', async () => {
    for (const name of stack.adapters.keys()) if ((await stack.leaseRole(name)) === 'active') return name;
    return undefined;
  }, async () => 'none active');
  const standby = [...stack.adapters.keys()].find((n) => n !== active)!;
  const adapter = stack.adapters.get(active)!;
  await runRound({
    killed: `pbx-adapter ${active} (active; ${standby} standby)`,
    ends: () => true,
    kill: () => adapter.stop('SIGKILL'),
    // The lease (10 s) runs out, the standby takes it and ends the dead one's calls from their snapshots.
    closedWithinMs: 60_000,
    cause: 'service-restart',
    settleMs: 2000,
    check: async () => {
      assert.equal(await stack.leaseRole(standby), 'active', `${standby} took the lease`);
    },
    restart: async () => {
      await adapter.restart(90_000);
      await by(Date.now() + 30_000, `${active} back as a standby`, async () => ((await stack.leaseRole(active)) === 'standby' ? true : undefined), async () => stack.leaseRole(active));
    },
  });
});

test('kill -9 of one media node: its calls end (media-failure) within 5 s, their media stops, the calls on the other media host go on with their audio', async () => {
  // Which calls a node carries depends on placement (each leg by load, or both legs of a call on one
  // node): the calls that end are those with a leg on the victim, whatever the placement. The victim is
  // media-a, unless no call lies wholly on media-b (then media-b), so some call survives to be heard.
  let victim: string | undefined;
  const whole = (p: Pair, rows: Map<string, JournalDbRow>, node: string): boolean => [p.out!.ctiCallId, p.in!.ctiCallId].every((id) => rows.get(id)?.media_node === node);
  const choose = (rows: Map<string, JournalDbRow>): string => (!pairs.some((p) => whole(p, rows, 'media-b')) && pairs.some((p) => whole(p, rows, 'media-a')) ? 'media-b' : 'media-a');
  let killedAt = 0;
  await runRound({
    killed: 'media node (chosen at the kill)',
    ends: (p, rows) => {
      victim ??= choose(rows);
      return [p.out!.ctiCallId, p.in!.ctiCallId].some((id) => rows.get(id)?.media_node === victim);
    },
    kill: async () => {
      killedAt = Date.now();
      stack.log(`killing ${victim}`);
      await stack.media.get(victim!)!.stop('SIGKILL');
    },
    closedWithinMs: 15_000,
    cause: 'media-failure',
    settleMs: 3000,
    check: async (ended, survivors) => {
      // The legs on the killed node: their clients told and their rows closed within 5 s of the kill.
      const legs = ended.flatMap((p) => [p.out!, p.in!]);
      const rows = new Map((await stack.journal(legs.map((l) => l.ctiCallId))).map((x): [string, JournalDbRow] => [x.call_id, x]));
      const onVictim = legs.filter((l) => rows.get(l.ctiCallId)?.media_node === victim);
      for (const l of onVictim) {
        assert.ok(l.endedAt! - killedAt <= 5000, `client of ${l.ctiCallId} told ${l.endedAt! - killedAt} ms after the kill`);
        assert.ok(rows.get(l.ctiCallId)!.ended_at!.getTime() - killedAt <= 5000, `row ${l.ctiCallId} closed ${rows.get(l.ctiCallId)!.ended_at!.getTime() - killedAt} ms after the kill`);
      }
      const slowest = Math.max(0, ...onVictim.map((l) => l.endedAt! - killedAt));
      stack.log(`${onVictim.length} legs on ${victim}: clients told within ${slowest} ms; ${survivors.length} calls wholly on the other node`);
    },
    restart: () => stack.media.get(victim!)!.restart(90_000),
  });
  table.at(-1)!.killed = `media node ${victim}`;
});
