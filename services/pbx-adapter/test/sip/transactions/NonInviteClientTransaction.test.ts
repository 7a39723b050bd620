// Non-INVITE client transaction, RFC 3261 §17.1.2, driven by a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NonInviteClientTransaction,
  SipTimeoutError,
  TransactionState,
  TransactionStateError,
  type SipResponse,
} from '../../../src/sip/mod.ts';
import { FakeClock } from '../FakeClock.ts';
import { RecordingTransport } from '../RecordingTransport.ts';
import { sampleRequest, sampleResponse } from '../sampleMessages.ts';
import { recordEvents } from './recordEvents.ts';

class Probe extends NonInviteClientTransaction {
  force(to: TransactionState): void {
    this.transition(to);
  }
}

const setup = (method = 'REGISTER', reliable = false) => {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock, reliable);
  const request = sampleRequest({ method });
  const tx = new Probe({ request, transport, clock });
  const events = recordEvents(tx);
  tx.start();
  return { clock, transport, request, tx, events, respond: (status: number): SipResponse => sampleResponse(request, status) };
};

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  describe('Trying state', () => {
    it('start() sends the request and runs Timers E and F over UDP, only F over TCP', () => {
      assert.deepEqual(setup().tx.activeTimers.sort(), ['E', 'F']);
      assert.deepEqual(setup('REGISTER', true).tx.activeTimers, ['F']);
    });
    it('Timer E MUST retransmit at T1 doubling up to T2 (0.5, 1.5, 3.5, 7.5, then every 4 s)', () => {
      const { clock, transport } = setup();
      clock.advance(32_000);
      assert.deepEqual(transport.timesOf('REGISTER'), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    });
    it('Timer E never retransmits over a reliable transport', () => {
      const { clock, transport } = setup('OPTIONS', true);
      clock.advance(40_000);
      assert.deepEqual(transport.timesOf('OPTIONS'), [0]);
    });
    it("Timer F (64*T1) MUST report a timeout and transition to 'terminated'", () => {
      const { clock, tx, events } = setup();
      clock.advance(32_000);
      assert.equal(tx.state, TransactionState.Terminated);
      const [err] = events.of('timeout') as SipTimeoutError[];
      assert.equal(err?.timer, 'F');
    });
    for (const status of [100, 180, 183]) {
      it(`on ${status} it MUST transition to 'proceeding' and pass the response to the TU`, () => {
        const { tx, events, respond } = setup();
        tx.receiveResponse(respond(status));
        assert.equal(tx.state, TransactionState.Proceeding);
        assert.equal(events.count('response'), 1);
      });
    }
    for (const status of [200, 202, 302, 401, 407, 423, 481, 500, 503, 603]) {
      it(`on ${status} it MUST transition to 'completed' and pass the response to the TU`, () => {
        const { tx, events, respond } = setup();
        tx.receiveResponse(respond(status));
        assert.equal(tx.state, TransactionState.Completed);
        assert.equal(events.count('response'), 1);
        assert.deepEqual(tx.activeTimers, ['K']);
      });
    }
  });

  describe('Proceeding state', () => {
    const proceeding = () => {
      const s = setup();
      s.clock.advance(1000); // retransmissions at 0 and 500
      s.tx.receiveResponse(s.respond(100));
      return s;
    };
    it('Timer E MUST retransmit every T2 from then on', () => {
      const { clock, transport } = proceeding();
      clock.advance(12_000);
      // Trying scheduled the next E at 1500 (interval 1000); from Proceeding on the interval is T2.
      assert.deepEqual(transport.timesOf('REGISTER'), [0, 500, 1500, 5500, 9500]);
    });
    it('on more provisional responses it stays in proceeding and passes them up', () => {
      const { tx, events, respond } = proceeding();
      tx.receiveResponse(respond(180));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.equal(events.count('response'), 2);
    });
    it("on a final response it MUST transition to 'completed'", () => {
      const { tx, respond } = proceeding();
      tx.receiveResponse(respond(200));
      assert.equal(tx.state, TransactionState.Completed);
    });
    it('Timer F still fires in proceeding', () => {
      const { clock, events } = proceeding();
      clock.advance(31_000);
      assert.equal(events.count('timeout'), 1);
    });
  });

  describe('Completed state', () => {
    it('absorbs response retransmissions and stops retransmitting', () => {
      const { tx, events, respond, clock, transport } = setup();
      tx.receiveResponse(respond(200));
      tx.receiveResponse(respond(200));
      tx.receiveResponse(respond(180));
      clock.advance(4000);
      assert.equal(events.count('response'), 1);
      assert.deepEqual(transport.timesOf('REGISTER'), [0]);
    });
    it("Timer K (T4 = 5 s over UDP) MUST transition to 'terminated'", () => {
      const { tx, respond, clock } = setup();
      tx.receiveResponse(respond(200));
      clock.advance(4999);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
    });
    it("over a reliable transport Timer K is zero: 'terminated' at once", () => {
      const { tx, respond } = setup('OPTIONS', true);
      tx.receiveResponse(respond(200));
      assert.equal(tx.state, TransactionState.Terminated);
    });
  });

  describe('state machine', () => {
    for (const [from, to] of [
      [TransactionState.Trying, TransactionState.Accepted],
      [TransactionState.Trying, TransactionState.Calling],
      [TransactionState.Trying, TransactionState.Confirmed],
    ] as const) {
      it(`transition from ${from} to ${to} throws TransactionStateError`, () => {
        assert.throws(() => setup().tx.force(to), TransactionStateError);
      });
    }
    it('transition from completed back to proceeding throws TransactionStateError', () => {
      const { tx, respond } = setup();
      tx.receiveResponse(respond(200));
      assert.throws(() => tx.force(TransactionState.Proceeding), TransactionStateError);
    });
    for (const method of ['INVITE', 'ACK']) {
      it(`constructor with ${method} throws TypeError`, () => {
        const clock = new FakeClock();
        assert.throws(() => new NonInviteClientTransaction({ request: sampleRequest({ method }), transport: new RecordingTransport(clock), clock }), TypeError);
      });
    }
  });
});
