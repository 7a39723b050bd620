// INVITE server transaction, RFC 3261 §17.2.1 with RFC 6026 §7.1, driven by a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  InviteServerTransaction,
  SipTimeoutError,
  TransactionState,
  TransactionStateError,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/mod.ts';
import { FakeClock } from '../FakeClock.ts';
import { RecordingTransport } from '../RecordingTransport.ts';
import { sampleRequest } from '../sampleMessages.ts';
import { recordEvents } from './recordEvents.ts';

class Probe extends InviteServerTransaction {
  force(to: TransactionState): void {
    this.transition(to);
  }
}

const setup = (opts: { reliable?: boolean; sendTrying?: boolean; retransmit2xx?: boolean } = {}) => {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock, opts.reliable ?? false);
  const request = sampleRequest();
  const tx = new Probe({ request, transport, clock, sendTrying: opts.sendTrying, retransmit2xx: opts.retransmit2xx });
  const events = recordEvents(tx);
  tx.start();
  const respond = (status: number): SipResponse => createResponse(request, status, { toTag: 'uas' });
  const ack = (): SipRequest => sampleRequest({ method: 'ACK', toTag: 'uas' });
  return { clock, transport, request, tx, events, respond, ack };
};

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  describe('Proceeding state', () => {
    it('start() MUST send 100 Trying', () => {
      const { tx, transport } = setup();
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(transport.timesOf(100), [0]);
    });
    it('start() with sendTrying=false sends nothing', () => assert.equal(setup({ sendTrying: false }).transport.sent.length, 0));
    it('on a retransmitted INVITE it MUST resend the most recent provisional response', () => {
      const { tx, transport, respond, request } = setup();
      tx.respond(respond(180));
      tx.receiveRequest(request);
      assert.deepEqual(transport.sent.map((r) => (r.message as SipResponse).status), [100, 180, 180]);
    });
    it('on a retransmitted INVITE without any provisional sent it sends nothing', () => {
      const { tx, transport, request } = setup({ sendTrying: false });
      tx.receiveRequest(request);
      assert.equal(transport.sent.length, 0);
    });
    it('respond() with 1xx sends it and stays in proceeding', () => {
      const { tx, transport, respond } = setup();
      tx.respond(respond(183));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(transport.timesOf(183), [0]);
    });
    for (const status of [200, 202]) {
      it(`respond() with ${status} MUST transition to 'accepted' (RFC 6026) and run Timer L`, () => {
        const { tx, respond } = setup();
        tx.respond(respond(status));
        assert.equal(tx.state, TransactionState.Accepted);
        assert.ok(tx.activeTimers.includes('L'));
      });
    }
    for (const status of [300, 404, 480, 486, 487, 500, 603]) {
      it(`respond() with ${status} MUST transition to 'completed' and run Timers G and H`, () => {
        const { tx, respond } = setup();
        tx.respond(respond(status));
        assert.equal(tx.state, TransactionState.Completed);
        assert.deepEqual(tx.activeTimers.sort(), ['G', 'H']);
      });
    }
    it('respond() with a final response over a reliable transport runs only Timer H', () => {
      const { tx, respond } = setup({ reliable: true });
      tx.respond(respond(486));
      assert.deepEqual(tx.activeTimers, ['H']);
    });
  });

  describe('Completed state', () => {
    const completed = (reliable = false) => {
      const s = setup({ reliable });
      s.tx.respond(s.respond(486));
      return s;
    };
    it('Timer G MUST retransmit the final response at T1 doubling up to T2 (0.5, 1.5, 3.5, 7.5, 11.5 ... s)', () => {
      const { clock, transport } = completed();
      clock.advance(20_000);
      assert.deepEqual(transport.timesOf(486), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500]);
    });
    it('on a retransmitted INVITE it MUST resend the final response', () => {
      const { tx, transport, request } = completed();
      tx.receiveRequest(request);
      assert.equal(transport.timesOf(486).length, 2);
    });
    it("on ACK it MUST transition to 'confirmed' and stop Timers G and H", () => {
      const { tx, ack, clock, transport } = completed();
      clock.advance(600);
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Confirmed);
      clock.advance(4000);
      assert.deepEqual(transport.timesOf(486), [0, 500]);
    });
    it("Timer H (64*T1) MUST report a timeout and transition to 'terminated' when no ACK arrives", () => {
      const { clock, tx, events } = completed();
      clock.advance(32_000);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.equal((events.of('timeout')[0] as SipTimeoutError).timer, 'H');
    });
    it('respond() in completed throws TransactionStateError', () => {
      const { tx, respond } = completed();
      assert.throws(() => tx.respond(respond(200)), TransactionStateError);
    });
  });

  describe('Confirmed state', () => {
    it("absorbs ACK retransmissions; Timer I (T4 = 5 s over UDP) MUST transition to 'terminated'", () => {
      const { tx, respond, ack, clock, events } = setup();
      tx.respond(respond(404));
      tx.receiveRequest(ack());
      tx.receiveRequest(ack());
      assert.equal(events.count('ack'), 0);
      clock.advance(4999);
      assert.equal(tx.state, TransactionState.Confirmed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
    });
    it("over a reliable transport Timer I is zero: 'terminated' on ACK", () => {
      const { tx, respond, ack } = setup({ reliable: true });
      tx.respond(respond(404));
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Terminated);
    });
  });

  describe('Accepted state (RFC 6026)', () => {
    const accepted = (opts: { reliable?: boolean; retransmit2xx?: boolean } = {}) => {
      const s = setup(opts);
      s.tx.respond(s.respond(200));
      return s;
    };
    it('retransmits the 2xx over UDP at T1 doubling up to T2 until the ACK (RFC 3261 §13.3.1.4)', () => {
      const { clock, transport, tx, ack } = accepted();
      clock.advance(8000);
      assert.deepEqual(transport.timesOf(200), [0, 500, 1500, 3500, 7500]);
      tx.receiveRequest(ack());
      clock.advance(10_000);
      assert.equal(transport.timesOf(200).length, 5);
    });
    it('does not retransmit the 2xx over a reliable transport or when disabled', () => {
      for (const opts of [{ reliable: true }, { retransmit2xx: false }]) {
        const { clock, transport } = accepted(opts);
        clock.advance(8000);
        assert.deepEqual(transport.timesOf(200), [0]);
      }
    });
    it("on ACK it MUST pass the ACK to the TU and stay 'accepted'", () => {
      const { tx, ack, events } = accepted();
      tx.receiveRequest(ack());
      assert.equal(events.count('ack'), 1);
      assert.equal(tx.state, TransactionState.Accepted);
    });
    it('absorbs INVITE retransmissions (the TU answers with 2xx retransmissions)', () => {
      const { tx, request, transport } = accepted({ retransmit2xx: false });
      tx.receiveRequest(request);
      assert.equal(transport.timesOf(200).length, 1);
    });
    it('respond() with another 2xx sends it; with a non-2xx throws TransactionStateError', () => {
      const { tx, respond, transport } = accepted({ retransmit2xx: false });
      tx.respond(respond(200));
      assert.equal(transport.timesOf(200).length, 2);
      assert.throws(() => tx.respond(respond(486)), TransactionStateError);
    });
    it("Timer L (64*T1) MUST transition to 'terminated', reporting a timeout only when no ACK arrived", () => {
      const withoutAck = accepted();
      withoutAck.clock.advance(32_000);
      assert.equal(withoutAck.tx.state, TransactionState.Terminated);
      assert.equal((withoutAck.events.of('timeout')[0] as SipTimeoutError).timer, 'L');
      const withAck = accepted();
      withAck.tx.receiveRequest(withAck.ack());
      withAck.clock.advance(32_000);
      assert.equal(withAck.tx.state, TransactionState.Terminated);
      assert.equal(withAck.events.count('timeout'), 0);
    });
  });

  describe('state machine', () => {
    for (const to of [TransactionState.Calling, TransactionState.Trying, TransactionState.Confirmed]) {
      it(`transition from proceeding to ${to} throws TransactionStateError`, () => {
        assert.throws(() => setup().tx.force(to), (e: unknown) => e instanceof TransactionStateError && e.message.includes(`from proceeding to ${to}`));
      });
    }
    it('transition from accepted to completed throws TransactionStateError', () => {
      const { tx, respond } = setup();
      tx.respond(respond(200));
      assert.throws(() => tx.force(TransactionState.Completed), TransactionStateError);
    });
    it('respond() after termination throws TransactionStateError', () => {
      const { tx, respond } = setup();
      tx.terminate();
      assert.throws(() => tx.respond(respond(200)), TransactionStateError);
    });
    it('a failing send of the final response terminates with transporterror', async () => {
      const { tx, respond, transport, events } = setup();
      transport.failNext = true;
      tx.respond(respond(486));
      await new Promise<void>((resolve) => tx.once('terminated', resolve));
      assert.equal(events.count('transporterror'), 1);
    });
    it('constructor with a non-INVITE throws TypeError', () => {
      const clock = new FakeClock();
      assert.throws(() => new InviteServerTransaction({ request: sampleRequest({ method: 'OPTIONS' }), transport: new RecordingTransport(clock), clock }), TypeError);
    });
  });
});
