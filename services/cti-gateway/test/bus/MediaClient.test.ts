// MediaClient against a real NATS server: a peer bus plays the media node. Every command reaches the
// node with its payload and returns its reply; a refusal, a missing node and a timeout each reject with
// MediaCommandError carrying the node's code (or none) and the bus error as cause; close() never throws.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BusClient, BusNoRespondersError, BusRemoteError, BusTimeoutError, MediaCommands, MediaTopics, UcsError } from '@ucserver/shared';
import { natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';
import { MediaClient } from '../../src/bus/MediaClient.ts';
import { MediaCommandError } from '../../src/errors.ts';

const NODE = 'node-1';
const SDP = 'v=0\r\n';

describe('MediaClient', { timeout: 20_000 }, () => {
  const prefix = uniquePrefix();
  let bus: BusClient;
  let node: BusClient;
  let media: MediaClient;
  const seen: Array<{ verb: string; payload: unknown }> = [];

  before(async () => {
    bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'gateway', logger: testLogger('gateway') });
    node = await BusClient.connect({ servers: natsUrl, prefix, name: 'node', logger: testLogger('node') });
    const peer = node.media(NODE);
    const record = (verb: string, payload: unknown): void => void seen.push({ verb, payload });
    peer.serve(MediaCommands.softphoneOffer, (r) => {
      record('offer', r);
      if (r.callId === 'refused') throw new UcsError('UCS_ERR_MEDIA_SDP_INVALID', 'no audio m-line');
      return { legId: `leg-${r.callId}`, codecs: ['opus' as const] };
    });
    peer.serve(MediaCommands.softphoneAnswer, (r) => (record('answer', r), { sdp: `answer-${r.callId}` }));
    peer.serve(MediaCommands.softphoneCreateOffer, (r) => (record('create-offer', r), { legId: `leg-${r.callId}`, sdp: `offer-${r.callId}` }));
    peer.serve(MediaCommands.softphoneApplyAnswer, (r) => (record('apply-answer', r), {}));
    peer.serve(MediaCommands.softphoneCandidate, (r) => (record('candidate', r), {}));
    peer.serve(MediaCommands.softphoneReoffer, async (r) => {
      record('reoffer', r);
      if (r.callId === 'slow') await new Promise((resolve) => setTimeout(resolve, 1000));
      return { sdp: `reanswer-${r.callId}` };
    });
    peer.serve(MediaCommands.close, (r) => {
      record('close', r);
      throw new UcsError('UCS_ERR_MEDIA_CALL_STATE', 'closing');
    });
    await node.flush();
    media = new MediaClient({ bus, logger: testLogger('media-client') });
  });
  after(async () => {
    await bus.close();
    await node.close();
  });

  it('each command reaches the node with its payload and resolves with its reply', async () => {
    assert.deepEqual(await media.softphoneOffer(NODE, 'c1', SDP), { legId: 'leg-c1', codecs: ['opus'] });
    assert.equal(await media.softphoneAnswer(NODE, 'c1'), 'answer-c1');
    assert.equal(await media.softphoneCreateOffer(NODE, 'c2'), 'offer-c2');
    await media.softphoneApplyAnswer(NODE, 'c2', SDP);
    await media.softphoneCandidate(NODE, 'c2', { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    await media.softphoneCandidate(NODE, 'c2', null);
    assert.equal(await media.softphoneReoffer(NODE, 'c2', SDP), 'reanswer-c2');
    assert.deepEqual(seen.map((s) => s.verb), ['offer', 'answer', 'create-offer', 'apply-answer', 'candidate', 'candidate', 'reoffer']);
    assert.deepEqual(seen[0]!.payload, { callId: 'c1', sdp: SDP });
    assert.deepEqual(seen[5]!.payload, { callId: 'c2', candidate: null });
  });

  it('softphoneOffer() the node refuses rejects with MediaCommandError carrying its code and the call context', async () => {
    const err = await media.softphoneOffer(NODE, 'refused', SDP).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MediaCommandError);
    assert.equal(err.remoteCode, 'UCS_ERR_MEDIA_SDP_INVALID');
    assert.equal(err.reason, 'UCS_ERR_MEDIA_SDP_INVALID: no audio m-line');
    assert.match(err.message, /^media node softphone\.offer failed: .*\[callId:refused, nodeId:node-1\]$/);
    assert.ok(err.cause instanceof BusRemoteError);
  });

  it('a command to a node nobody serves rejects with MediaCommandError without a remote code', async () => {
    const err = await media.softphoneAnswer('node-gone', 'c3').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MediaCommandError);
    assert.equal(err.remoteCode, undefined);
    assert.match(err.reason, /^media node unavailable: /);
    assert.ok(err.cause instanceof BusNoRespondersError);
  });

  it('a command slower than timeoutMs rejects with MediaCommandError caused by BusTimeoutError', async () => {
    const impatient = new MediaClient({ bus, logger: testLogger('media-client'), timeoutMs: 200 });
    await assert.rejects(impatient.softphoneReoffer(NODE, 'slow', SDP), (e: unknown) => e instanceof MediaCommandError && e.cause instanceof BusTimeoutError);
  });

  it('with answerTo the offer asks for the answer to be pushed; a pushed answer is taken once, without a request; others are asked for', async (t) => {
    const pushing = new MediaClient({ bus, logger: testLogger('media-client'), answerTo: 'gw-1', maxPushedAnswers: 2 });
    t.after(() => pushing.dispose());
    /** Pushes an answer for the PBX's 2xx as the node does; resolves once the client has handled it ('answered'). */
    const push = async (callId: string, gatewayId = 'gw-1'): Promise<void> => {
      const handled = new Promise<void>((resolve) => {
        const on = (id: string): void => {
          if (id !== callId) return;
          pushing.off('answered', on);
          resolve();
        };
        pushing.on('answered', on);
      });
      node.publish(MediaTopics.softphoneAnswer, { gatewayId, callId, sdp: `pushed-${callId}`, answered: true });
      await handled;
    };
    await bus.flush();
    seen.length = 0;
    await pushing.softphoneOffer(NODE, 'p1', SDP);
    assert.deepEqual(seen[0]!.payload, { callId: 'p1', sdp: SDP, answerTo: 'gw-1' });
    // Another gateway's push, published first: had it reached this client, it would have been handled before p1's.
    node.publish(MediaTopics.softphoneAnswer, { gatewayId: 'gw-other', callId: 'p2', sdp: 'pushed-p2', answered: true });
    await push('p1');
    assert.equal(await pushing.softphoneAnswer(NODE, 'p1'), 'pushed-p1', 'the pushed answer');
    assert.deepEqual(seen.map((s) => s.verb), ['offer'], 'no softphone.answer request for a pushed answer');
    assert.equal(await pushing.softphoneAnswer(NODE, 'p1'), 'answer-p1', 'taken once: the next one asks the node');
    assert.equal(await pushing.softphoneAnswer(NODE, 'p2'), 'answer-p2', 'another gateway\'s answer is not ours');

    // Bounded: past maxPushedAnswers the oldest goes; close() and forgetAnswer() drop a call's answer.
    for (const id of ['q1', 'q2', 'q3', 'q4']) await push(id);
    await pushing.close(NODE, 'q4', 'normal');
    await push('q5');
    pushing.forgetAnswer('q5');
    assert.equal(await pushing.softphoneAnswer(NODE, 'q5'), 'answer-q5', 'dropped by forgetAnswer()');
    assert.equal(await pushing.softphoneAnswer(NODE, 'q3'), 'pushed-q3');
    assert.equal(await pushing.softphoneAnswer(NODE, 'q4'), 'answer-q4', 'dropped by close()');
    assert.equal(await pushing.softphoneAnswer(NODE, 'q1'), 'answer-q1', 'the oldest went past the bound');
    assert.equal(await pushing.softphoneAnswer(NODE, 'q2'), 'answer-q2', 'the oldest went past the bound');
    pushing.dispose();
    pushing.dispose();
  });

  it('close() resolves when the node refuses or nobody answers, and sends a cause of at most 128 characters', async () => {
    await media.close(NODE, 'c1', 'x'.repeat(300));
    await media.close('node-gone', 'c1', 'gone');
    const close = seen.find((s) => s.verb === 'close' && (s.payload as { callId: string }).callId === 'c1')!.payload as { cause: string };
    assert.equal(close.cause.length, 128);
  });
});
