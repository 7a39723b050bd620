// TransactionLayer: two layers wired through in-process transports; matching, CANCEL, ACK, stray and
// dropped messages, limits and close().
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import {
  createCancel,
  createResponse,
  InvalidStateError,
  InviteClientTransaction,
  InviteServerTransaction,
  isRfc3261Branch,
  MessageDropReason,
  NonInviteServerTransaction,
  serializeMessage,
  TransactionLayer,
  TransactionLimitError,
  TransactionState,
  TransportError,
  viaBranch,
  viaRport,
  type ClientTransaction,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type TransactionLayerOptions,
} from '../../../src/sip/mod.ts';
import { FakeClock } from '../FakeClock.ts';
import { LoopbackNetwork, LoopbackTransport, settle } from '../LoopbackTransport.ts';
import { sampleRequest } from '../sampleMessages.ts';

const UAC = { host: '192.0.2.1', port: 5060 };
const UAS = { host: '192.0.2.2', port: 5070 };

const setup = (opts: { maxTransactions?: number; maxServerTransactions?: number; maxServerTransactionsPerSource?: number; sendTrying?: boolean; screen?: TransactionLayerOptions['screen'] } = {}) => {
  const network = new LoopbackNetwork();
  const clock = new FakeClock();
  const uacTransport = new LoopbackTransport(network, UAC.host, UAC.port);
  const uasTransport = new LoopbackTransport(network, UAS.host, UAS.port);
  const uac = new TransactionLayer({ transports: [uacTransport], clock });
  const uas = new TransactionLayer({ transports: [uasTransport], clock, maxTransactions: opts.maxTransactions, maxServerTransactions: opts.maxServerTransactions, maxServerTransactionsPerSource: opts.maxServerTransactionsPerSource, sendTrying: opts.sendTrying, screen: opts.screen });
  const requests: Array<{ request: SipRequest; tx: ServerTransaction }> = [];
  uas.on('request', (request, tx) => requests.push({ request, tx }));
  return { network, clock, uacTransport, uasTransport, uac, uas, requests };
};

/** A request without Via, as the TU builds it. */
const outgoing = (method = 'INVITE', extra: Array<[string, string]> = []): SipRequest => {
  const r = sampleRequest({ method, uri: 'sip:bob@192.0.2.2:5070', extra });
  r.headers.delete('Via');
  return r;
};

const responses = (tx: ClientTransaction): SipResponse[] => {
  const got: SipResponse[] = [];
  tx.on('response', (r) => got.push(r));
  return got;
};

describe('TransactionLayer', () => {
  it('sendRequest() adds a top Via with the transport sent-by, an RFC 3261 branch and rport', async () => {
    const { uac, uasTransport } = setup();
    const tx = uac.sendRequest(outgoing('OPTIONS'), { ...UAS });
    const via = tx.request.headers.topVia();
    assert.equal(via.transport, 'UDP');
    assert.equal(`${via.host}:${via.port}`, '192.0.2.1:5060');
    assert.ok(isRfc3261Branch(viaBranch(via)));
    assert.equal(viaRport(via), null);
    const [received] = (await once(uasTransport, 'message', { signal: AbortSignal.timeout(2000) })) as [SipRequest];
    // The receiving transport stamped received and rport (RFC 3581).
    assert.equal(received.headers.topVia().params.get('received'), '192.0.2.1');
    assert.equal(viaRport(received.headers.topVia()), 5060);
  });

  it('sendRequest() keeps an existing RFC 3261 branch and replaces a legacy one', () => {
    const { uac } = setup();
    const keep = uac.sendRequest(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKmine' }), { ...UAS });
    assert.equal(viaBranch(keep.request.headers.topVia()), 'z9hG4bKmine');
    const legacy = uac.sendRequest(sampleRequest({ method: 'OPTIONS', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=1234' }), { ...UAS });
    assert.ok(isRfc3261Branch(viaBranch(legacy.request.headers.topVia())));
  });

  it('OPTIONS: the UAS gets a non-INVITE server transaction; its 200 reaches the UAC transaction', async () => {
    const { uac, requests } = setup();
    const tx = uac.sendRequest(outgoing('OPTIONS'), { ...UAS });
    const got = responses(tx);
    await settle();
    assert.equal(requests.length, 1);
    assert.ok(requests[0]?.tx instanceof NonInviteServerTransaction);
    requests[0]?.tx.respond(createResponse(requests[0].request, 200, { toTag: 'x' }));
    await settle();
    assert.deepEqual(got.map((r) => r.status), [200]);
    assert.equal(tx.state, TransactionState.Completed);
  });

  it('INVITE 180/200/ACK: 100 Trying is automatic, the 2xx ACK reaches the UAS as an ack event and stops 2xx retransmissions', async () => {
    const { uac, uas, requests, clock, uasTransport } = setup();
    const tx = uac.sendRequest(outgoing('INVITE'), { ...UAS }) as InviteClientTransaction;
    const got = responses(tx);
    await settle();
    const ist = requests[0]?.tx as InviteServerTransaction;
    assert.ok(ist instanceof InviteServerTransaction);
    ist.respond(createResponse(requests[0]!.request, 180, { toTag: 'uas1' }));
    ist.respond(createResponse(requests[0]!.request, 200, { toTag: 'uas1', headers: [['Contact', '<sip:bob@192.0.2.2:5070>']] }));
    await settle();
    assert.deepEqual(got.map((r) => r.status), [100, 180, 200]);
    assert.equal(tx.state, TransactionState.Accepted);
    const acks: Array<[SipRequest, InviteServerTransaction | undefined]> = [];
    uas.on('ack', (ack, invite) => acks.push([ack, invite]));
    const ack = sampleRequest({ method: 'ACK', uri: 'sip:bob@192.0.2.2:5070', toTag: 'uas1' });
    ack.headers.delete('Via');
    await uac.sendAck(ack, { ...UAS });
    await settle();
    assert.equal(acks.length, 1);
    assert.equal(acks[0]?.[1], ist);
    assert.notEqual(viaBranch(ack.headers.topVia()), viaBranch(tx.request.headers.topVia()), 'the 2xx ACK has its own branch');
    const sentBefore = uasTransport.sent.length;
    clock.advance(10_000);
    assert.equal(uasTransport.sent.length, sentBefore, 'no 2xx retransmission after the ACK');
  });

  it('INVITE 486: the UAC transaction ACKs on the same branch and the UAS transaction absorbs it (no ack event)', async () => {
    const { uac, uas, requests } = setup();
    const tx = uac.sendRequest(outgoing('INVITE'), { ...UAS });
    await settle();
    let ackEvents = 0;
    uas.on('ack', () => ackEvents++);
    const ist = requests[0]?.tx as InviteServerTransaction;
    ist.respond(createResponse(requests[0]!.request, 486, { toTag: 'busy' }));
    await settle();
    assert.equal(tx.state, TransactionState.Completed);
    assert.equal(ist.state, TransactionState.Confirmed);
    assert.equal(ackEvents, 0);
  });

  it('CANCEL: the UAS gets a cancel event with the matching INVITE transaction; 200 and 487 reach the UAC', async () => {
    const { uac, uas, requests } = setup();
    const invite = uac.sendRequest(outgoing('INVITE'), { ...UAS });
    const inviteResponses = responses(invite);
    await settle();
    const ist = requests[0]?.tx as InviteServerTransaction;
    const cancelled = once(uas, 'cancel', { signal: AbortSignal.timeout(2000) });
    const cancelTx = uac.sendRequest(createCancel(invite.request), { ...UAS });
    const cancelResponses = responses(cancelTx);
    const [cancelReq, nist, matched] = (await cancelled) as [SipRequest, NonInviteServerTransaction, InviteServerTransaction | undefined];
    assert.equal(matched, ist);
    nist.respond(createResponse(cancelReq, 200, { toTag: 'c' }));
    ist.respond(createResponse(requests[0]!.request, 487, { toTag: 'c' }));
    await settle();
    assert.deepEqual(cancelResponses.map((r) => r.status), [200]);
    assert.deepEqual(inviteResponses.map((r) => r.status), [100, 487]);
  });

  it('CANCEL without a matching INVITE: cancel event with invite undefined', async () => {
    const { uac, uas } = setup();
    const cancelled = once(uas, 'cancel', { signal: AbortSignal.timeout(2000) });
    const req = outgoing('INVITE');
    req.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnever;rport');
    uac.sendRequest(createCancel(req), { ...UAS });
    const [, , invite] = await cancelled;
    assert.equal(invite, undefined);
  });

  it('request retransmissions (Timer A) are absorbed by the server transaction: one request event', async () => {
    const { uac, requests, clock, uasTransport } = setup({ sendTrying: false });
    let received = 0;
    uasTransport.on('message', () => received++);
    uac.sendRequest(outgoing('INVITE'), { ...UAS });
    await settle();
    clock.advance(500);
    await settle();
    clock.advance(1000);
    await settle();
    assert.equal(received, 3);
    assert.equal(requests.length, 1);
    // Once the server answered provisionally, a retransmission gets that answer again.
    const ist = requests[0]?.tx as InviteServerTransaction;
    ist.respond(createResponse(requests[0]!.request, 180, { toTag: 't' }));
    ist.receiveRequest(requests[0]!.request);
    assert.equal(uasTransport.sent.filter((m) => m.type === 'response' && m.status === 180).length, 2);
  });

  it('a response with two Vias is dropped (RFC 3261 §8.1.3.3, RFC 4475 bcast)', async () => {
    const { uac, uacTransport } = setup();
    const tx = uac.sendRequest(outgoing('OPTIONS'), { ...UAS });
    const got = responses(tx);
    const dropped = once(uac, 'dropped', { signal: AbortSignal.timeout(2000) });
    const res = createResponse(tx.request, 200, { toTag: 'x' });
    res.headers.append('Via', 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23');
    uacTransport.inject(serializeMessage(res), UAS);
    const [reason] = await dropped;
    assert.equal(reason, MessageDropReason.MultipleVias);
    assert.equal(got.length, 0);
  });

  it('a response matching no transaction is reported as strayresponse', async () => {
    const { uac, uacTransport } = setup();
    const stray = once(uac, 'strayresponse', { signal: AbortSignal.timeout(2000) });
    const req = sampleRequest({ method: 'OPTIONS', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKunknown' });
    uacTransport.inject(serializeMessage(createResponse(req, 200, { toTag: 'x' })), UAS);
    const [res] = await stray;
    assert.equal(res.status, 200);
  });

  it('an ACK for a 2xx without any transaction is reported with invite undefined', async () => {
    const { uas, uasTransport } = setup();
    const acked = once(uas, 'ack', { signal: AbortSignal.timeout(2000) });
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'ACK', toTag: 'x' })), UAC);
    const [, invite] = await acked;
    assert.equal(invite, undefined);
  });

  it('RFC 2543 requests without magic cookie are matched by the fallback key (RFC 4475 badbranch)', async () => {
    const { uas, uasTransport, requests } = setup();
    const raw = serializeMessage(sampleRequest({ method: 'OPTIONS', via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK' }));
    uasTransport.inject(raw, UAC);
    uasTransport.inject(raw, UAC);
    await settle();
    assert.equal(requests.length, 1);
    assert.equal(uas.size, 1);
  });

  it('a malformed message is reported as dropped(malformed) after the transport answered 400', async () => {
    const { uas, uasTransport, network } = setup();
    const dropped = once(uas, 'dropped', { signal: AbortSignal.timeout(2000) });
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS' })).toString().replace('CSeq: 314159 OPTIONS', 'CSeq: x'), UAC);
    const [reason] = await dropped;
    assert.equal(reason, MessageDropReason.Malformed);
    assert.ok(network.log.some((l) => l.line === 'SIP/2.0 400 Bad Request'));
  });

  it('at maxTransactions new requests get 503 and sendRequest() throws TransactionLimitError', async () => {
    const { uas, uasTransport, network } = setup({ maxTransactions: 1 });
    const limit = once(uas, 'dropped', { signal: AbortSignal.timeout(2000) });
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKa' })), UAC);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKb' })), UAC);
    const [reason] = await limit;
    assert.equal(reason, MessageDropReason.TransactionLimit);
    assert.equal(uas.load, 1, 'the one transaction fills the table');
    await settle();
    assert.ok(network.log.some((l) => l.line === 'SIP/2.0 503 Service Unavailable'));
    assert.throws(() => uas.sendRequest(outgoing('OPTIONS'), { ...UAC }), TransactionLimitError);
  });

  it('a full server budget answers 503 while our own client transactions still have their reserved slots', async () => {
    const { uas, uasTransport, network } = setup({ maxTransactions: 4, maxServerTransactions: 2 });
    const dropped: string[] = [];
    uas.on('dropped', (reason) => dropped.push(reason));
    for (const b of ['a', 'b', 'c']) uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: `z9hG4bK${b}` })), { host: `192.0.2.${b.charCodeAt(0)}`, port: 5060 });
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.TransactionLimit]);
    assert.equal(uas.serverLoad, 1);
    assert.ok(network.log.some((l) => l.line === 'SIP/2.0 503 Service Unavailable'));
    uas.sendRequest(outgoing('REGISTER'), { ...UAC });
    uas.sendRequest(outgoing('OPTIONS'), { ...UAC });
    assert.equal(uas.clientLoad, 1);
    assert.throws(() => uas.sendRequest(outgoing('OPTIONS'), { ...UAC }), TransactionLimitError);
  });

  it('one source holds at most maxServerTransactionsPerSource server transactions; others still get theirs', async () => {
    const { uas, uasTransport, requests } = setup({ maxTransactions: 100, maxServerTransactionsPerSource: 2 });
    const dropped: string[] = [];
    uas.on('dropped', (reason) => dropped.push(reason));
    for (const b of ['a', 'b', 'c']) uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: `z9hG4bKflood${b}` })), UAC);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKpbx' })), { host: '192.0.2.99', port: 5060 });
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.TransactionLimit]);
    assert.equal(requests.length, 3, 'two from the flooding source, one from the other');
  });

  it("a source's answered requests do not count against its share: the PBX's INVITEs of the last 32 s are no flood", async () => {
    const { uas, uasTransport, requests, network } = setup({ maxTransactions: 100, maxServerTransactionsPerSource: 2 });
    const dropped: string[] = [];
    uas.on('dropped', (reason) => dropped.push(reason));
    // Two INVITEs answered 200 but not ACKed yet, then ACKed; a BYE answered: none of them works any more.
    for (const b of ['i1', 'i2']) uasTransport.inject(serializeMessage(sampleRequest({ method: 'INVITE', branch: `z9hG4bK${b}`, callId: b })), UAC);
    await settle();
    for (const { request, tx } of requests) (tx as InviteServerTransaction).respond(createResponse(request, 200, { toTag: 't', headers: [['Contact', '<sip:bob@192.0.2.2:5070>']] }));
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKearly' })), UAC);
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.TransactionLimit], 'an answered INVITE works until its ACK');
    for (const b of ['i1', 'i2']) uasTransport.inject(serializeMessage(sampleRequest({ method: 'ACK', branch: `z9hG4bKack${b}`, callId: b, toTag: 't' })), UAC);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'BYE', branch: 'z9hG4bKbye' })), UAC);
    await settle();
    requests.at(-1)!.tx.respond(createResponse(requests.at(-1)!.request, 200));
    for (const b of ['x', 'y']) uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: `z9hG4bK${b}` })), UAC);
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.TransactionLimit], 'ACKed INVITEs and the answered BYE absorb only');
    assert.deepEqual(requests.map((r) => r.request.method), ['INVITE', 'INVITE', 'BYE', 'OPTIONS', 'OPTIONS']);
    assert.equal(uas.size, 5, 'the answered ones still absorb retransmissions');
    assert.equal(network.log.filter((l) => l.line === 'SIP/2.0 503 Service Unavailable').length, 1);
  });

  it('past the live bound the oldest transaction that only absorbs ends early; working ones are never ended', async () => {
    const { uas, uasTransport, requests } = setup({ maxTransactions: 4, maxServerTransactions: 2, maxServerTransactionsPerSource: 2 });
    const dropped: string[] = [];
    uas.on('dropped', (reason) => dropped.push(reason));
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKold' })), UAC);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKnew' })), UAC);
    await settle();
    const [old, young] = requests.map((r) => r.tx);
    let oldEnded = false;
    old!.on('terminated', () => (oldEnded = true));
    requests[0]!.tx.respond(createResponse(requests[0]!.request, 200));
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKthird' })), UAC);
    await settle();
    assert.equal(oldEnded, true, 'the answered one made room');
    assert.equal(young!.terminated, false);
    assert.equal(uas.size, 2);
    assert.equal(uas.evicted, 1);
    assert.deepEqual(dropped, []);
    // Both left work: the next one is refused.
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKfourth' })), UAC);
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.TransactionLimit]);
  });

  it('client transactions that got their final response leave their place to new ones', async () => {
    const { uas, uasTransport, network } = setup({ maxTransactions: 2, maxServerTransactions: 1 });
    const tx = uas.sendRequest(outgoing('OPTIONS'), { ...UAC });
    assert.throws(() => uas.sendRequest(outgoing('OPTIONS'), { ...UAC }), TransactionLimitError);
    await settle();
    const sent = network.log.find((l) => l.line.startsWith('OPTIONS'));
    assert.ok(sent);
    uasTransport.inject(serializeMessage(createResponse(tx.request, 200)), UAC);
    await settle();
    assert.equal(tx.state, TransactionState.Completed);
    assert.equal(uas.clientLoad, 0);
    const next = uas.sendRequest(outgoing('OPTIONS'), { ...UAC });
    assert.equal(tx.terminated, true, 'the completed one ended early');
    assert.equal(next.terminated, false);
  });

  it('the screen: reject answers statelessly to the packet source (not the Via), drop answers nothing; neither makes a transaction', async () => {
    const verdicts = new Map<string, { action: 'reject'; status: number; reason: string } | { action: 'drop'; reason: string }>([
      ['INVITE', { action: 'reject', status: 403, reason: 'untrusted-source' }],
      ['OPTIONS', { action: 'drop', reason: 'rate-limited' }],
    ]);
    const { uas, uasTransport, requests, network } = setup({ screen: (m) => (m.type === 'request' ? verdicts.get(m.method) : undefined) ?? { action: 'pass' } });
    const dropped: string[] = [];
    uas.on('dropped', (reason) => dropped.push(reason));
    const stranger = { host: '198.51.100.7', port: 40000 };
    // The Via names a third party: the 403 must still go to the packet's source.
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'INVITE', branch: 'z9hG4bKforged' })).toString().replace(/Via: [^\r]*/, 'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKforged'), stranger);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'OPTIONS', branch: 'z9hG4bKo' })), stranger);
    uasTransport.inject(serializeMessage(sampleRequest({ method: 'BYE', branch: 'z9hG4bKbye' })), stranger);
    await settle();
    assert.deepEqual(dropped, [MessageDropReason.Screened, MessageDropReason.Screened]);
    assert.deepEqual(requests.map((r) => r.request.method), ['BYE'], 'only the passed request reaches the TU');
    const answers = network.log.filter((l) => l.line.startsWith('SIP/2.0 4'));
    assert.deepEqual(answers.map((l) => [l.to, l.line]), [['198.51.100.7:40000', 'SIP/2.0 403 Forbidden']]);
    assert.equal(uas.size, 1, 'the BYE only');
  });

  it('transactions leave the layer once terminated', async () => {
    const { uac, requests, clock } = setup();
    const tx = uac.sendRequest(outgoing('OPTIONS'), { ...UAS });
    await settle();
    requests[0]?.tx.respond(createResponse(requests[0].request, 200));
    await settle();
    assert.equal(tx.state, TransactionState.Completed);
    clock.advance(32_000);
    assert.equal(uac.size, 0);
  });

  it('close() terminates every transaction, is idempotent, and later sends throw InvalidStateError', async () => {
    const { uac } = setup();
    const tx = uac.sendRequest(outgoing('INVITE'), { ...UAS });
    let terminated = 0;
    tx.on('terminated', () => terminated++);
    uac.close();
    uac.close();
    assert.equal(terminated, 1);
    assert.equal(uac.size, 0);
    assert.equal(uac.closed, true);
    assert.throws(() => uac.sendRequest(outgoing('OPTIONS'), { ...UAS }), InvalidStateError);
    await assert.rejects(uac.sendStateless(outgoing('OPTIONS'), { ...UAS }), InvalidStateError);
  });

  it('sendRequest() with ACK throws TypeError; with an unconfigured protocol throws TransportError', () => {
    const { uac } = setup();
    assert.throws(() => uac.sendRequest(outgoing('ACK'), { ...UAS }), TypeError);
    assert.throws(() => uac.sendRequest(outgoing('OPTIONS'), { ...UAS, protocol: 'TCP' }), TransportError);
  });

  it('constructor without transports or with two of one protocol throws TypeError', () => {
    const network = new LoopbackNetwork();
    assert.throws(() => new TransactionLayer({ transports: [] }), TypeError);
    const a = new LoopbackTransport(network, '192.0.2.9', 1);
    const b = new LoopbackTransport(network, '192.0.2.9', 2);
    assert.throws(() => new TransactionLayer({ transports: [a, b] }), TypeError);
  });
});
