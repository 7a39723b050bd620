// INVITE client transaction, RFC 3261 §17.1.1 with RFC 6026 §7.2, driven by a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InviteClientTransaction,
  SipTimeoutError,
  TransactionState,
  TransactionStateError,
  TransportError,
  viaBranch,
  type SipRequest,
  type SipResponse,
  type TimerConfig,
} from '../../../src/sip/mod.ts';
import { FakeClock } from '../FakeClock.ts';
import { RecordingTransport } from '../RecordingTransport.ts';
import { sampleRequest, sampleResponse } from '../sampleMessages.ts';
import { recordEvents } from './recordEvents.ts';

class Probe extends InviteClientTransaction {
  force(to: TransactionState): void {
    this.transition(to);
  }
}

const setup = (reliable = false, timers?: Partial<TimerConfig>) => {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock, reliable);
  const request = sampleRequest();
  const tx = new Probe({ request, transport, clock, timers });
  const events = recordEvents(tx);
  tx.start();
  return { clock, transport, request, tx, events, respond: (status: number, tag = 'rt'): SipResponse => sampleResponse(request, status, tag) };
};

const PROVISIONAL = [100, 180, 181, 182, 183];
const SUCCESS = [200, 202];
const FAILURE = [300, 302, 400, 404, 407, 486, 487, 500, 503, 600, 603];

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2)', () => {
  describe('Calling state', () => {
    it('start() sends the INVITE and runs Timers A and B over UDP', () => {
      const { transport, tx } = setup();
      assert.equal(tx.state, TransactionState.Calling);
      assert.deepEqual(transport.timesOf('INVITE'), [0]);
      assert.deepEqual(tx.activeTimers.sort(), ['A', 'B']);
    });
    it('start() over a reliable transport runs only Timer B', () => {
      assert.deepEqual(setup(true).tx.activeTimers, ['B']);
    });
    it('Timer A MUST retransmit the INVITE at T1, doubling each time, until Timer B (0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s)', () => {
      const { clock, transport } = setup();
      clock.advance(64 * 500);
      assert.deepEqual(transport.timesOf('INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    });
    it('Timer A over a reliable transport never retransmits', () => {
      const { clock, transport } = setup(true);
      clock.advance(40_000);
      assert.deepEqual(transport.timesOf('INVITE'), [0]);
    });
    it('Timer B MUST fire at 64*T1 with a timeout event and transition to terminated', () => {
      const { clock, tx, events } = setup();
      clock.advance(31_999);
      assert.equal(tx.state, TransactionState.Calling);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      const [err] = events.of('timeout') as SipTimeoutError[];
      assert.ok(err instanceof SipTimeoutError);
      assert.equal(err.timer, 'B');
      assert.equal(err.code, 'UCS_ERR_SIP_TIMEOUT');
      assert.equal(events.count('terminated'), 1);
    });
    it('Timer B also fires over a reliable transport', () => {
      const { clock, events } = setup(true);
      clock.advance(32_000);
      assert.equal(events.count('timeout'), 1);
    });
    it('custom T1 = 100 ms scales Timers A and B', () => {
      const { clock, transport, events } = setup(false, { T1: 100 });
      clock.advance(6400);
      assert.deepEqual(transport.timesOf('INVITE'), [0, 100, 300, 700, 1500, 3100, 6300]);
      assert.equal(events.count('timeout'), 1);
    });
    for (const status of PROVISIONAL) {
      it(`on ${status} it MUST transition to 'proceeding' and pass the response to the TU`, () => {
        const { tx, events, respond } = setup();
        tx.receiveResponse(respond(status));
        assert.equal(tx.state, TransactionState.Proceeding);
        assert.deepEqual((events.of('response') as SipResponse[]).map((r) => r.status), [status]);
      });
    }
    for (const status of SUCCESS) {
      it(`on ${status} it MUST transition to 'accepted' (RFC 6026) and pass the response to the TU without sending an ACK`, () => {
        const { tx, events, transport, respond } = setup();
        tx.receiveResponse(respond(status));
        assert.equal(tx.state, TransactionState.Accepted);
        assert.equal(events.count('response'), 1);
        assert.deepEqual(transport.timesOf('ACK'), []);
        assert.deepEqual(tx.activeTimers, ['M']);
      });
    }
    for (const status of FAILURE) {
      it(`on ${status} it MUST transition to 'completed', send an ACK on the same branch and pass the response up`, () => {
        const { tx, events, transport, request, respond } = setup();
        tx.receiveResponse(respond(status, 'fail-tag'));
        assert.equal(tx.state, TransactionState.Completed);
        assert.equal(events.count('response'), 1);
        const ack = transport.sent.at(-1)?.message as SipRequest;
        assert.equal(ack.method, 'ACK');
        assert.equal(viaBranch(ack.headers.topVia()), viaBranch(request.headers.topVia()));
        assert.equal(ack.headers.toTag(), 'fail-tag');
        assert.deepEqual(ack.headers.cseq(), { seq: request.headers.cseq().seq, method: 'ACK' });
        assert.deepEqual(ack.uri, request.uri);
      });
    }
    it('on a transport error it MUST emit transporterror and transition to terminated (§17.1.4)', async () => {
      const clock = new FakeClock();
      const transport = new RecordingTransport(clock);
      transport.failNext = true;
      const tx = new InviteClientTransaction({ request: sampleRequest(), transport, clock });
      const events = recordEvents(tx);
      tx.start();
      await new Promise<void>((resolve) => tx.once('terminated', resolve));
      assert.ok(events.of('transporterror')[0] instanceof TransportError);
      assert.equal(clock.pending, 0, 'every timer cleared');
    });
  });

  describe('Proceeding state', () => {
    const proceeding = () => {
      const s = setup();
      s.tx.receiveResponse(s.respond(180));
      return s;
    };
    it('on another provisional response it stays in proceeding and passes it to the TU', () => {
      const { tx, events, respond } = proceeding();
      tx.receiveResponse(respond(183));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual((events.of('response') as SipResponse[]).map((r) => r.status), [180, 183]);
    });
    it('it MUST NOT retransmit the INVITE any longer', () => {
      const { clock, transport } = proceeding();
      clock.advance(60_000);
      assert.deepEqual(transport.timesOf('INVITE'), [0]);
    });
    it('Timer B no longer applies (it only guards the calling state)', () => {
      const { clock, events, tx } = proceeding();
      clock.advance(120_000);
      assert.equal(events.count('timeout'), 0);
      assert.equal(tx.state, TransactionState.Proceeding);
    });
    it("on 200 it MUST transition to 'accepted'", () => {
      const { tx, respond } = proceeding();
      tx.receiveResponse(respond(200));
      assert.equal(tx.state, TransactionState.Accepted);
    });
    it("on 486 it MUST transition to 'completed' and send an ACK", () => {
      const { tx, transport, respond } = proceeding();
      tx.receiveResponse(respond(486));
      assert.equal(tx.state, TransactionState.Completed);
      assert.equal(transport.timesOf('ACK').length, 1);
    });
  });

  describe('Completed state', () => {
    const completed = (reliable = false) => {
      const s = setup(reliable);
      s.tx.receiveResponse(s.respond(486));
      return s;
    };
    it('on a retransmitted final response it MUST resend the ACK and MUST NOT pass it to the TU', () => {
      const { tx, transport, events, respond } = completed();
      tx.receiveResponse(respond(486));
      tx.receiveResponse(respond(486));
      assert.equal(transport.timesOf('ACK').length, 3);
      assert.equal(events.count('response'), 1);
    });
    it('on a 2xx it absorbs the response', () => {
      const { tx, events, respond } = completed();
      tx.receiveResponse(respond(200));
      assert.equal(events.count('response'), 1);
      assert.equal(tx.state, TransactionState.Completed);
    });
    it("Timer D (64*T1 = 32 s over UDP) MUST transition to 'terminated'", () => {
      const { tx, clock } = completed();
      clock.advance(31_999);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
    });
    it("over a reliable transport Timer D is zero: 'terminated' at once", () => {
      assert.equal(completed(true).tx.state, TransactionState.Terminated);
    });
  });

  describe('Accepted state (RFC 6026)', () => {
    const accepted = () => {
      const s = setup();
      s.tx.receiveResponse(s.respond(200, 'a'));
      return s;
    };
    it('on a retransmitted or forked 2xx it MUST pass the response to the TU', () => {
      const { tx, events, respond } = accepted();
      tx.receiveResponse(respond(200, 'a'));
      tx.receiveResponse(respond(200, 'fork-b'));
      assert.equal(events.count('response'), 3);
      assert.equal(tx.state, TransactionState.Accepted);
    });
    it('on a provisional or non-2xx response it absorbs it', () => {
      const { tx, events, transport, respond } = accepted();
      tx.receiveResponse(respond(180));
      tx.receiveResponse(respond(486));
      assert.equal(events.count('response'), 1);
      assert.deepEqual(transport.timesOf('ACK'), []);
    });
    it("Timer M (64*T1) MUST transition to 'terminated'", () => {
      const { tx, clock } = accepted();
      clock.advance(32_000);
      assert.equal(tx.state, TransactionState.Terminated);
    });
  });

  describe('Terminated state', () => {
    it('ignores further responses and terminate() is idempotent', () => {
      const { tx, events, respond } = setup();
      tx.terminate();
      tx.terminate();
      tx.receiveResponse(respond(200));
      assert.equal(events.count('response'), 0);
      assert.equal(events.count('terminated'), 1);
    });
  });

  describe('state machine', () => {
    const invalid: Array<[TransactionState[], TransactionState]> = [
      [[], TransactionState.Confirmed],
      [[], TransactionState.Trying],
      [[TransactionState.Proceeding], TransactionState.Calling],
      [[TransactionState.Accepted], TransactionState.Completed],
      [[TransactionState.Completed], TransactionState.Accepted],
      [[TransactionState.Terminated], TransactionState.Calling],
    ];
    for (const [path, to] of invalid) {
      const from = path.at(-1) ?? TransactionState.Calling;
      it(`transition from ${from} to ${to} throws TransactionStateError`, () => {
        const { tx } = setup();
        for (const s of path) tx.force(s);
        assert.throws(() => tx.force(to), (e: unknown) => e instanceof TransactionStateError && e.message.includes(`from ${from} to ${to}`));
      });
    }
    it('statechange reports each transition in order', () => {
      const { tx, events, respond, clock } = setup();
      tx.receiveResponse(respond(180));
      tx.receiveResponse(respond(404));
      clock.advance(32_000);
      assert.deepEqual(events.of('statechange'), ['calling->proceeding', 'proceeding->completed', 'completed->terminated']);
    });
    it('a throwing response listener does not break the transaction', () => {
      const { tx, respond, transport } = setup();
      tx.on('listenererror', () => {});
      tx.on('response', () => {
        throw new Error('listener bug');
      });
      tx.receiveResponse(respond(486));
      assert.equal(tx.state, TransactionState.Completed);
      assert.equal(transport.timesOf('ACK').length, 1);
    });
    it('constructor with a non-INVITE throws TypeError', () => {
      const clock = new FakeClock();
      assert.throws(() => new InviteClientTransaction({ request: sampleRequest({ method: 'BYE' }), transport: new RecordingTransport(clock), clock }), TypeError);
    });
  });
});
