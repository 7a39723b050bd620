// CallRecovery against a real NATS KV bucket and a UDP socket playing the PBX: what a restarted adapter
// sends for the calls its earlier run left, and what it publishes and closes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  BusClient,
  createMetricsRegistry,
  PbxBuckets,
  type CallEvent,
  type KvStore,
  type LineConfig,
  type PbxCallSnapshot,
} from '@ucserver/shared';
import { check, natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';
import { CallRecovery, disconnected } from '../../src/calls/CallRecovery.ts';
import { CallSnapshots } from '../../src/calls/CallSnapshots.ts';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';
import {
  createRequest,
  createResponse,
  parseMessage,
  parseUri,
  serializeMessage,
  type SipMessage,
  type SipRequest,
} from '../../src/sip/mod.ts';
import { SipEndpoint } from '../../src/userAgent/SipEndpoint.ts';

/** A PBX on a UDP socket: records every message and answers requests with `answer`. */
class UdpPbx {
  readonly socket: Socket;
  readonly received: SipMessage[] = [];
  answer: (request: SipRequest) => { status: number; headers?: Array<[string, string]> } | undefined = () => ({ status: 200 });

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
      const message = parseMessage(data);
      this.received.push(message);
      if (message.type !== 'request' || message.method === 'ACK') return;
      const reply = this.answer(message);
      if (!reply) return;
      const response = createResponse(message, reply.status, { headers: reply.headers ?? [], toTag: message.headers.toTag() === undefined ? 'pbx-tag' : undefined });
      socket.send(serializeMessage(response), rinfo.port, rinfo.address);
    });
  }

  static async start(): Promise<UdpPbx> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpPbx(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  requests(method: string): SipRequest[] {
    return this.received.filter((m): m is SipRequest => m.type === 'request' && m.method === method);
  }

  responses(): SipMessage[] {
    return this.received.filter((m) => m.type === 'response');
  }

  /** Sends a request to `port` on 127.0.0.1 (the PBX hanging up itself). */
  send(request: SipRequest, port: number): void {
    this.socket.send(serializeMessage(request), port, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}

const event = (callId: string, state: CallEvent['state'], seq: number): CallEvent => ({
  callId, lineId: 'line-100', lineNumber: '100', seq, at: 1000, state, direction: 'outbound', remoteNumber: '101', mediaNodeId: 'media-1',
  ...(state === 'held' ? { hold: 'local' as const } : {}),
});

const line: LineConfig = {
  lineId: 'line-100', number: '100', displayName: '', registrar: '127.0.0.1', transport: 'udp', authUser: '100', authPassword: 'pw100', enabled: true,
} as LineConfig;

describe('calls - CallRecovery with a NATS KV bucket and a UDP PBX', () => {
  let bus: BusClient;
  let kv: KvStore<typeof PbxCallSnapshot>;
  let endpoint: SipEndpoint;
  let pbx: UdpPbx;
  let published: CallEvent[];
  let closed: Array<{ nodeId: string; callId: string; cause: string }>;
  let carried: Set<string>;
  const metrics = new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter'));

  before(async () => {
    bus = await BusClient.connect({ servers: natsUrl, prefix: uniquePrefix(), name: 'recovery-test', logger: testLogger() });
    kv = await bus.kv(PbxBuckets.calls, { ttlMs: 60_000 });
    endpoint = await SipEndpoint.create({ host: '127.0.0.1', port: 0, transports: ['udp'], userAgent: 'test', logger: testLogger('sip'), metrics });
    pbx = await UdpPbx.start();
  });
  after(async () => {
    pbx.close();
    await endpoint.close();
    const jsm = await jetstreamManager(bus.connection);
    await jsm.streams.delete(bus.subjects.kvStream(PbxBuckets.calls)).catch(() => false);
    await bus.close();
  });

  const recovery = (options: { sipTimeoutMs?: number } = {}): CallRecovery => {
    published = [];
    closed = [];
    carried = new Set();
    pbx.received.length = 0;
    return new CallRecovery({
      store: kv,
      endpoint,
      carried: (callId) => carried.has(callId),
      line: async (lineId) => (lineId === line.lineId ? line : undefined),
      media: { close: async (nodeId, callId, cause) => void closed.push({ nodeId, callId, cause }) },
      publish: async (e) => void published.push(e),
      logger: testLogger('recovery'),
      metrics,
      sipTimeoutMs: options.sipTimeoutMs ?? 2000,
      t1Ms: 50,
    });
  };

  const byeSnapshot = (callId: string, last: CallEvent = event(callId, 'connected', 3)): PbxCallSnapshot => ({
    event: last,
    owner: { instanceId: 'gw-1', startedAt: 1 },
    teardown: {
      kind: 'bye',
      dialog: {
        role: 'uac', callId: `sip-${callId}`, localTag: 'ours', remoteTag: 'theirs', localSeq: 5,
        localUri: '"Alice" <sip:100@127.0.0.1>', remoteUri: '<sip:101@127.0.0.1>', localTarget: `sip:100@127.0.0.1:${endpoint.local('udp').port}`,
        remoteTarget: `sip:101@127.0.0.1:${pbx.port}`, routeSet: [], secure: false,
      },
    },
    savedAt: 2,
  });

  it('run() with a connected call sends BYE with the next CSeq in its dialog, publishes disconnected (service-restart), closes media, deletes the snapshot', async () => {
    const r = recovery();
    await kv.put('call-1', byeSnapshot('call-1', event('call-1', 'held', 3)));
    const report = await r.run();
    assert.deepEqual(report, { found: 1, ended: 1, failed: 0 });
    const [bye] = pbx.requests('BYE');
    assert.ok(bye, 'the PBX got a BYE');
    assert.equal(bye.headers.callId(), 'sip-call-1');
    assert.equal(bye.headers.fromTag(), 'ours');
    assert.equal(bye.headers.toTag(), 'theirs');
    assert.equal(bye.headers.cseq().seq, 6);
    assert.deepEqual(published, [disconnected(event('call-1', 'held', 3), published[0]!.at)]);
    assert.equal(published[0]!.seq, 4);
    assert.equal(published[0]!.state, 'disconnected');
    assert.equal(published[0]!.cause, 'service-restart');
    assert.equal(published[0]!.hold, undefined, 'the hold side of the last event is not carried over');
    assert.deepEqual(closed, [{ nodeId: 'media-1', callId: 'call-1', cause: 'service-restart' }]);
    assert.equal(await kv.get('call-1'), undefined);
    assert.equal(await r.run(), report, 'a second run() returns the first report');
  });

  it('run() with a BYE the PBX challenges answers with the line\'s credentials (next CSeq)', async () => {
    const r = recovery();
    let challenged = false;
    pbx.answer = () => {
      if (challenged) return { status: 200 };
      challenged = true;
      return { status: 407, headers: [['Proxy-Authenticate', 'Digest realm="pbx", nonce="n0nce", algorithm=MD5, qop="auth"']] };
    };
    try {
      await kv.put('call-2', byeSnapshot('call-2'));
      assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    } finally {
      pbx.answer = () => ({ status: 200 });
    }
    const byes = pbx.requests('BYE');
    assert.equal(byes.length, 2);
    assert.equal(byes[0]!.headers.has('Proxy-Authorization'), false);
    assert.match(byes[1]!.headers.get('Proxy-Authorization') ?? '', /username="100"/);
    assert.equal(byes[1]!.headers.cseq().seq, 7);
  });

  it('run() with a PBX that never answers gives up after 2 BYEs, and still closes the call\'s events and media', async () => {
    const r = recovery({ sipTimeoutMs: 300 });
    pbx.answer = () => undefined;
    const t0 = Date.now();
    try {
      await kv.put('call-3', byeSnapshot('call-3'));
      assert.deepEqual(await r.run(), { found: 1, ended: 0, failed: 1 });
    } finally {
      pbx.answer = () => ({ status: 200 });
    }
    assert.ok(Date.now() - t0 < 2000, `bounded: ${Date.now() - t0} ms`);
    assert.deepEqual(pbx.requests('BYE').map((b) => b.headers.cseq().seq).filter((s, i, a) => a.indexOf(s) === i), [6, 7]);
    assert.equal(published.length, 1);
    assert.equal(closed.length, 1);
    assert.equal(await kv.get('call-3'), undefined);
  });

  it('run() with many calls and a PBX that never answers closes every call\'s events and media before the BYEs time out', async () => {
    // As a standby on another host ending a dead adapter's dialogs: the PBX relays each BYE to the dead end.
    const sipTimeoutMs = 2000;
    const ids = Array.from({ length: 16 }, (_, i) => `many-${i}`);
    pbx.answer = () => undefined;
    try {
      for (const id of ids) await kv.put(id, byeSnapshot(id));
      const r = recovery({ sipTimeoutMs });
      const at: number[] = [];
      const t0 = Date.now();
      const push = published.push.bind(published);
      published.push = (...e: CallEvent[]): number => {
        at.push(Date.now() - t0);
        return push(...e);
      };
      assert.deepEqual(await r.run(), { found: 16, ended: 0, failed: 16 });
      assert.equal(published.length, 16);
      assert.ok(Math.max(...at) < sipTimeoutMs, `every disconnected published before the first BYE timed out (the last after ${Math.max(...at)} ms)`);
      assert.equal(closed.length, 16, 'every call\'s media closed');
      for (const id of ids) assert.equal(await kv.get(id), undefined);
    } finally {
      pbx.answer = () => ({ status: 200 });
    }
  });

  it('run() answers 200 to a BYE the PBX sends in a dialog it is ending', async () => {
    const r = recovery({ sipTimeoutMs: 1500 });
    // The PBX answers nothing but hangs up itself, in the same dialog.
    pbx.answer = (request) => {
      if (request.method === 'BYE') {
        const theirs = createRequest({
          method: 'BYE',
          uri: parseUri(`sip:100@127.0.0.1:${endpoint.local('udp').port}`),
          headers: [
            ['Via', `SIP/2.0/UDP 127.0.0.1:${pbx.port};branch=z9hG4bK-pbx-bye;rport`],
            ['From', '<sip:101@127.0.0.1>;tag=theirs'],
            ['To', '<sip:100@127.0.0.1>;tag=ours'],
            ['Call-ID', 'sip-call-4'],
            ['CSeq', '9 BYE'],
            ['Max-Forwards', '70'],
          ],
        });
        pbx.send(theirs, endpoint.local('udp').port);
      }
      return undefined;
    };
    try {
      await kv.put('call-4', byeSnapshot('call-4'));
      assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    } finally {
      pbx.answer = () => ({ status: 200 });
    }
    const answers = pbx.responses().filter((m) => m.type === 'response' && m.headers.cseq().method === 'BYE');
    assert.equal(answers.length >= 1 && answers[0]!.type === 'response' ? answers[0]!.status : 0, 200);
  });

  it('run() with a snapshot holding a disconnected event stores that event again as it is (same seq) and sends nothing', async () => {
    const r = recovery();
    const last = { ...event('call-5', 'disconnected', 4), cause: 'normal' as const };
    await kv.put('call-5', { ...byeSnapshot('call-5'), event: last });
    assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    assert.deepEqual(published, [last]);
    assert.equal(pbx.requests('BYE').length, 0);
    assert.equal(await kv.get('call-5'), undefined);
  });

  it('run() skips the snapshots of calls this run carries', async () => {
    const r = recovery();
    carried.add('call-6');
    await kv.put('call-6', byeSnapshot('call-6'));
    assert.deepEqual(await r.run(), { found: 0, ended: 0, failed: 0 });
    assert.ok(await kv.get('call-6'), 'the live call keeps its snapshot');
    await kv.delete('call-6');
  });

  it('run() with a pending outgoing INVITE sends its CANCEL (the INVITE\'s branch) to the recorded destination', async () => {
    const r = recovery();
    const cancel = createRequest({
      method: 'CANCEL',
      uri: parseUri(`sip:101@127.0.0.1:${pbx.port}`),
      headers: [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${endpoint.local('udp').port};branch=z9hG4bK-invite-7;rport`],
        ['From', '<sip:100@127.0.0.1>;tag=ours'],
        ['To', '<sip:101@127.0.0.1>'],
        ['Call-ID', 'sip-call-7'],
        ['CSeq', '1 CANCEL'],
        ['Max-Forwards', '70'],
      ],
    });
    await kv.put('call-7', {
      event: event('call-7', 'ringback', 2),
      teardown: { kind: 'cancel', request: serializeMessage(cancel).toString('utf8'), destination: { protocol: 'UDP', host: '127.0.0.1', port: pbx.port } },
      savedAt: 1,
    });
    assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    const [sent] = pbx.requests('CANCEL');
    assert.equal(sent?.headers.topVia().params.get('branch'), 'z9hG4bK-invite-7');
    assert.equal(published[0]?.cause, 'service-restart');
  });

  it('run() with a pending incoming INVITE sends its 480 three times over UDP', async () => {
    const r = recovery();
    const invite = createRequest({
      method: 'INVITE',
      uri: parseUri('sip:100@127.0.0.1'),
      headers: [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${pbx.port};branch=z9hG4bK-in-8`],
        ['From', '<sip:101@127.0.0.1>;tag=theirs'],
        ['To', '<sip:100@127.0.0.1>'],
        ['Call-ID', 'sip-call-8'],
        ['CSeq', '1 INVITE'],
      ],
    });
    const refusal = createResponse(invite, 480, { toTag: 'ours' });
    await kv.put('call-8', {
      event: { ...event('call-8', 'offering', 1), direction: 'inbound' },
      teardown: { kind: 'reject', response: serializeMessage(refusal).toString('utf8'), destination: { protocol: 'UDP', host: '127.0.0.1', port: pbx.port } },
      savedAt: 1,
    });
    assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    await check(() => pbx.responses().length === 3, 2000, { name: 'three 480s at the PBX' });
    assert.ok(pbx.responses().every((m) => m.type === 'response' && m.status === 480 && m.headers.callId() === 'sip-call-8'));
  });
  // Issue 16: CallSnapshots writes a dialog change at the end of its loop turn, with the event of that
  // turn, and skips writes that change nothing a recovery reads. A takeover must still end the call as it
  // stands: after 'connected' (stored) with a BYE in the confirmed dialog, after the 200 alone with a BYE, not the CANCEL.
  it('a takeover right after connect, with the snapshots coalesced, ends the call with a BYE (next CSeq) and the disconnected after connected', async () => {
    const puts: PbxCallSnapshot[] = [];
    const store = { put: (k: string, v: PbxCallSnapshot) => (puts.push(v), kv.put(k, v)), delete: (k: string) => kv.delete(k) };
    const snapshots = new CallSnapshots({ store, logger: testLogger(), metrics });
    const bye = byeSnapshot('call-9').teardown as Extract<PbxCallSnapshot['teardown'], { kind: 'bye' }>;
    const cancel = { kind: 'cancel' as const, request: 'CANCEL sip:101@127.0.0.1 SIP/2.0\r\n\r\n', destination: { protocol: 'UDP' as const, host: '127.0.0.1', port: pbx.port } };
    let teardown: PbxCallSnapshot['teardown'] = cancel;
    snapshots.attach('call-9', { owner: () => undefined, teardown: () => teardown });
    await snapshots.beforeStore(event('call-9', 'dialing', 1));
    snapshots.changed('call-9'); // the 180's early dialog: the teardown is still the CANCEL
    await snapshots.beforeStore(event('call-9', 'ringback', 2));
    // The 200: the dialog confirmed; in the same turn (as after an answer without a media round trip) 'connected'.
    teardown = bye;
    snapshots.changed('call-9');
    await snapshots.beforeStore(event('call-9', 'connected', 3));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(puts.map((p) => [p.event.state, p.teardown.kind]), [['dialing', 'cancel'], ['ringback', 'cancel'], ['connected', 'bye']], 'one write per event; the early dialog and the 200 wrote nothing of their own');
    // The adapter dies here: the new run ends the call.
    const r = recovery();
    assert.deepEqual(await r.run(), { found: 1, ended: 1, failed: 0 });
    assert.equal(pbx.requests('BYE')[0]?.headers.cseq().seq, 6, 'BYE with the next CSeq of the written dialog');
    assert.equal(pbx.requests('CANCEL').length, 0);
    assert.deepEqual(published.map((e) => [e.seq, e.state, e.cause]), [[4, 'disconnected', 'service-restart']]);

    // The 200 alone (its 'connected' waits for the media node): the dialog is written by the end of the turn.
    teardown = cancel;
    snapshots.attach('call-10', { owner: () => undefined, teardown: () => teardown });
    await snapshots.beforeStore(event('call-10', 'ringback', 2));
    teardown = { ...bye, dialog: { ...bye.dialog, callId: 'sip-call-10' } };
    snapshots.changed('call-10');
    await check(async () => (await kv.get('call-10'))?.teardown.kind === 'bye', 2000, { name: 'the confirmed dialog in the snapshot' });
    const again = recovery();
    assert.deepEqual(await again.run(), { found: 1, ended: 1, failed: 0 });
    assert.equal(pbx.requests('BYE')[0]?.headers.callId(), 'sip-call-10');
    assert.equal(pbx.requests('CANCEL').length, 0);
    assert.equal(published[0]?.seq, 3);
  });
});
