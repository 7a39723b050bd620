// Non-INVITE server transaction, RFC 3261 §17.2.2, driven by a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  NonInviteServerTransaction,
  TransactionState,
  TransactionStateError,
  type SipResponse,
} from '../../../src/sip/mod.ts';
import { FakeClock } from '../FakeClock.ts';
import { RecordingTransport } from '../RecordingTransport.ts';
import { sampleRequest } from '../sampleMessages.ts';
import { recordEvents } from './recordEvents.ts';

class Probe extends NonInviteServerTransaction {
  force(to: TransactionState): void {
    this.transition(to);
  }
}

const setup = (reliable = false, method = 'BYE') => {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock, reliable);
  const request = sampleRequest({ method, toTag: 'uas' });
  const tx = new Probe({ request, transport, clock });
  const events = recordEvents(tx);
  tx.start();
  const respond = (status: number): SipResponse => createResponse(request, status);
  return { clock, transport, request, tx, events, respond };
};

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  describe('Trying state', () => {
    it('is the initial state and sends nothing by itself', () => {
      const { tx, transport } = setup();
      assert.equal(tx.state, TransactionState.Trying);
      assert.equal(transport.sent.length, 0);
    });
    it('MUST discard request retransmissions', () => {
      const { tx, transport, request } = setup();
      tx.receiveRequest(request);
      assert.equal(transport.sent.length, 0);
    });
    it("respond() with 1xx MUST transition to 'proceeding'", () => {
      const { tx, respond } = setup();
      tx.respond(respond(100));
      assert.equal(tx.state, TransactionState.Proceeding);
    });
    for (const status of [200, 202, 401, 404, 481, 500]) {
      it(`respond() with ${status} MUST transition to 'completed' and run Timer J`, () => {
        const { tx, respond } = setup();
        tx.respond(respond(status));
        assert.equal(tx.state, TransactionState.Completed);
        assert.deepEqual(tx.activeTimers, ['J']);
      });
    }
  });

  describe('Proceeding state', () => {
    it('on a retransmission it MUST resend the last provisional response', () => {
      const { tx, respond, request, transport } = setup();
      tx.respond(respond(100));
      tx.respond(respond(180));
      tx.receiveRequest(request);
      assert.deepEqual(transport.sent.map((r) => (r.message as SipResponse).status), [100, 180, 180]);
    });
    it("respond() with a final response MUST transition to 'completed'", () => {
      const { tx, respond } = setup();
      tx.respond(respond(100));
      tx.respond(respond(200));
      assert.equal(tx.state, TransactionState.Completed);
    });
  });

  describe('Completed state', () => {
    it('on a retransmission it MUST resend the final response', () => {
      const { tx, respond, request, transport } = setup();
      tx.respond(respond(200));
      tx.receiveRequest(request);
      tx.receiveRequest(request);
      assert.equal(transport.timesOf(200).length, 3);
    });
    it("Timer J (64*T1 over UDP) MUST transition to 'terminated'", () => {
      const { tx, respond, clock } = setup();
      tx.respond(respond(200));
      clock.advance(31_999);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
    });
    it("over a reliable transport Timer J is zero: 'terminated' at once", () => {
      const { tx, respond } = setup(true);
      tx.respond(respond(200));
      assert.equal(tx.state, TransactionState.Terminated);
    });
    it('respond() again throws TransactionStateError', () => {
      const { tx, respond } = setup();
      tx.respond(respond(200));
      assert.throws(() => tx.respond(respond(500)), TransactionStateError);
    });
  });

  describe('state machine', () => {
    for (const to of [TransactionState.Accepted, TransactionState.Confirmed, TransactionState.Calling]) {
      it(`transition from trying to ${to} throws TransactionStateError`, () => assert.throws(() => setup().tx.force(to), TransactionStateError));
    }
    it('statechange and terminated are reported once each', () => {
      const { tx, respond, clock, events } = setup();
      tx.respond(respond(100));
      tx.respond(respond(200));
      clock.advance(32_000);
      assert.deepEqual(events.of('statechange'), ['trying->proceeding', 'proceeding->completed', 'completed->terminated']);
      assert.equal(events.count('terminated'), 1);
    });
    for (const method of ['INVITE', 'ACK']) {
      it(`constructor with ${method} throws TypeError`, () => {
        const clock = new FakeClock();
        assert.throws(() => new NonInviteServerTransaction({ request: sampleRequest({ method }), transport: new RecordingTransport(clock), clock }), TypeError);
      });
    }
  });
});
