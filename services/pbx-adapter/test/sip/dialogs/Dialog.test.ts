// Dialog (RFC 3261 §12): UAC/UAS creation, route sets, CSeq, target refresh, in-dialog requests,
// ACK for 2xx, strict routing, termination.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  Dialog,
  DialogError,
  dialogIdOfIncomingRequest,
  dialogIdOfIncomingResponse,
  dialogKey,
  DialogState,
  formatUri,
  parseMessage,
  parseSipUri,
  serializeMessage,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/mod.ts';
import { sampleRequest } from '../sampleMessages.ts';

const invite = (extra: Array<[string, string]> = []): SipRequest =>
  sampleRequest({ uri: 'sip:bob@biloxi.example.com', cseq: 101, fromTag: 'alice-tag', extra });

const answer = (req: SipRequest, status: number, opts: { tag?: string; contact?: string; recordRoute?: string[] } = {}): SipResponse => {
  const headers: Array<[string, string]> = [];
  if (opts.contact !== null) headers.push(['Contact', opts.contact ?? '<sip:bob@192.0.2.4:5062>']);
  const res = createResponse(req, status, { toTag: opts.tag ?? 'bob-tag', headers });
  if (opts.recordRoute) {
    res.headers.delete('Record-Route');
    for (const rr of opts.recordRoute) res.headers.append('Record-Route', rr);
  }
  return res;
};

const uacDialog = (recordRoute = ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']) => {
  const req = invite(recordRoute.map((r) => ['Record-Route', r] as [string, string]));
  const res = answer(req, 200);
  return { req, res, dialog: Dialog.createUac(req, res) };
};

describe('Dialog', () => {
  describe('createUac()', () => {
    it('createUac() with a 200 creates a confirmed dialog: ids, CSeq, remote target, reversed route set', () => {
      const { dialog } = uacDialog();
      assert.equal(dialog.role, 'uac');
      assert.equal(dialog.state, DialogState.Confirmed);
      assert.deepEqual(dialog.id, { callId: 'a84b4c76e66710@pc33.atlanta.example.com', localTag: 'alice-tag', remoteTag: 'bob-tag' });
      assert.equal(dialog.localSeq, 101);
      assert.equal(dialog.remoteSeq, undefined);
      assert.equal(formatUri(dialog.remoteTarget), 'sip:bob@192.0.2.4:5062');
      assert.equal(formatUri(dialog.localTarget!), 'sip:alice@pc33.atlanta.example.com');
      assert.deepEqual(dialog.routeSet.map((r) => formatUri(r.uri)), ['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
      assert.equal(dialog.secure, false);
      assert.equal(dialog.key, 'a84b4c76e66710@pc33.atlanta.example.com|alice-tag|bob-tag');
    });
    it('createUac() with a 180 carrying a To tag creates an early dialog', () => {
      const req = invite();
      assert.equal(Dialog.createUac(req, answer(req, 180)).state, DialogState.Early);
    });
    it('createUac() with a 180 without Contact uses the Request-URI as remote target', () => {
      const req = invite();
      const res = answer(req, 180);
      res.headers.delete('Contact');
      assert.equal(formatUri(Dialog.createUac(req, res).remoteTarget), 'sip:bob@biloxi.example.com');
    });
    const failures: Array<[string, () => SipResponse]> = [
      ['a 100', () => answer(invite(), 100)],
      ['a 486', () => answer(invite(), 486)],
      ['a 200 without To tag', () => {
        const r = answer(invite(), 200);
        r.headers.set('To', 'Bob <sip:bob@biloxi.example.com>');
        return r;
      }],
      ['a 200 without Contact', () => {
        const r = answer(invite(), 200);
        r.headers.delete('Contact');
        return r;
      }],
    ];
    for (const [name, res] of failures) {
      it(`createUac() with ${name} throws DialogError`, () => assert.throws(() => Dialog.createUac(invite(), res()), DialogError));
    }
    it('createUac() with a sips Request-URI marks the dialog secure', () => {
      const req = sampleRequest({ uri: 'sips:bob@biloxi.example.com' });
      assert.equal(Dialog.createUac(req, answer(req, 200)).secure, true);
    });
  });

  describe('createUas()', () => {
    const uas = () => {
      const req = invite([['Record-Route', '<sip:p1.example.com;lr>'], ['Record-Route', '<sip:p2.example.com;lr>']]);
      const res = answer(req, 200, { tag: 'uas-tag', contact: '<sip:bob@192.0.2.4:5062>' });
      return { req, res, dialog: Dialog.createUas(req, res) };
    };
    it('createUas() takes ids from the request and our To tag, the route set in order, the remote target from Contact', () => {
      const { dialog } = uas();
      assert.equal(dialog.role, 'uas');
      assert.deepEqual(dialog.id, { callId: 'a84b4c76e66710@pc33.atlanta.example.com', localTag: 'uas-tag', remoteTag: 'alice-tag' });
      assert.equal(dialog.remoteSeq, 101);
      assert.equal(dialog.localSeq, undefined);
      assert.deepEqual(dialog.routeSet.map((r) => formatUri(r.uri)), ['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
      assert.equal(formatUri(dialog.remoteTarget), 'sip:alice@pc33.atlanta.example.com');
      assert.equal(formatUri(dialog.localTarget!), 'sip:bob@192.0.2.4:5062');
    });
    it('createRequest() on a UAS dialog picks an initial CSeq, swaps From/To and routes via the route set', () => {
      const { dialog } = uas();
      const bye = dialog.createRequest('BYE');
      const first = bye.headers.cseq().seq;
      assert.ok(first >= 1 && first < 2 ** 31);
      assert.equal(dialog.createRequest('BYE').headers.cseq().seq, first + 1);
      assert.equal(bye.headers.fromTag(), 'uas-tag');
      assert.equal(bye.headers.toTag(), 'alice-tag');
      assert.equal(formatUri(bye.headers.from().uri), 'sip:bob@biloxi.example.com');
      assert.equal(formatUri(bye.uri), 'sip:alice@pc33.atlanta.example.com');
      assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    });
    it('createUas() for a request without Contact throws DialogError', () => {
      const req = invite();
      req.headers.delete('Contact');
      assert.throws(() => Dialog.createUas(req, answer(req, 200)), DialogError);
    });
    it('createUas() with a response lacking our To tag throws DialogError', () => {
      const req = invite();
      const res = createResponse(req, 200);
      assert.throws(() => Dialog.createUas(req, res), DialogError);
    });
  });

  describe('createRequest()', () => {
    it('BYE: Request-URI = remote target, Route = route set, tags, Call-ID, CSeq+1, no Via, no Contact', () => {
      const { dialog } = uacDialog();
      const bye = dialog.createRequest('BYE');
      assert.equal(formatUri(bye.uri), 'sip:bob@192.0.2.4:5062');
      assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
      assert.equal(bye.headers.fromTag(), 'alice-tag');
      assert.equal(bye.headers.toTag(), 'bob-tag');
      assert.equal(bye.headers.from().displayName, 'Alice');
      assert.deepEqual(bye.headers.cseq(), { seq: 102, method: 'BYE' });
      assert.equal(bye.headers.maxForwards(), 70);
      assert.equal(bye.headers.has('Via'), false);
      assert.equal(bye.headers.has('Contact'), false);
      assert.equal(dialog.localSeq, 102);
    });
    for (const [i, method] of ['INVITE', 'UPDATE', 'INFO', 'REFER', 'NOTIFY', 'MESSAGE'].entries()) {
      const refresh = ['INVITE', 'UPDATE', 'REFER', 'NOTIFY'].includes(method);
      it(`${method} gets CSeq ${102 + i} after ${i} earlier requests${refresh ? ' and carries our Contact (target refresh)' : ''}`, () => {
        const { dialog } = uacDialog();
        for (let k = 0; k < i; k++) dialog.createRequest('INFO');
        const r = dialog.createRequest(method, { body: 'x', contentType: 'text/plain', headers: [['X-Extra', '1']] });
        assert.deepEqual(r.headers.cseq(), { seq: 102 + i, method });
        assert.equal(r.headers.has('Contact'), refresh);
        assert.equal(r.headers.get('Content-Type'), 'text/plain');
        assert.equal(r.headers.get('X-Extra'), '1');
        r.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKd');
        assert.deepEqual(parseMessage(serializeMessage(r)), r, 'well-formed once the transaction layer adds the Via');
      });
    }
    it('with a strict router first: Request-URI = that route, Route = rest + remote target (RFC 3261 §12.2.1.1)', () => {
      const { dialog } = uacDialog(['<sip:loose.example.com;lr>', '<sip:strict.example.com>']);
      const bye = dialog.createRequest('BYE');
      assert.equal(formatUri(bye.uri), 'sip:strict.example.com');
      assert.deepEqual(bye.headers.getAll('Route'), ['<sip:loose.example.com;lr>', '<sip:bob@192.0.2.4:5062>']);
    });
    it('without a route set: no Route header', () => {
      assert.equal(uacDialog([]).dialog.createRequest('BYE').headers.has('Route'), false);
    });
    it('ACK and CANCEL throw TypeError (use createAck / createCancel)', () => {
      const { dialog } = uacDialog();
      assert.throws(() => dialog.createRequest('ACK'), TypeError);
      assert.throws(() => dialog.createRequest('CANCEL'), TypeError);
    });
    it('on a terminated dialog throws DialogError', () => {
      const { dialog } = uacDialog();
      dialog.terminate();
      assert.throws(() => dialog.createRequest('BYE'), DialogError);
    });
  });

  describe('createAck()', () => {
    it('ACK for a 2xx uses the INVITE CSeq number, the dialog routing, the INVITE credentials, and does not bump the CSeq', () => {
      const { dialog } = uacDialog();
      const reInvite = dialog.createRequest('INVITE');
      reInvite.headers.append('Proxy-Authorization', 'Digest username="a"');
      const ack = dialog.createAck(reInvite, { body: 'v=0\r\n', contentType: 'application/sdp' });
      assert.deepEqual(ack.headers.cseq(), { seq: 102, method: 'ACK' });
      assert.equal(formatUri(ack.uri), 'sip:bob@192.0.2.4:5062');
      assert.equal(ack.headers.count('Route'), 2);
      assert.equal(ack.headers.get('Proxy-Authorization'), 'Digest username="a"');
      assert.equal(ack.headers.has('Via'), false, 'the transaction layer adds a Via with a new branch');
      assert.equal(ack.body.toString(), 'v=0\r\n');
      assert.equal(dialog.localSeq, 102);
    });
    it('createAck() of a non-INVITE throws TypeError', () => {
      const { dialog } = uacDialog();
      assert.throws(() => dialog.createAck(dialog.createRequest('BYE')), TypeError);
    });
  });

  describe('receiveRequest()', () => {
    const inDialog = (dialog: Dialog, method: string, seq: number, contact?: string): SipRequest => {
      const r = sampleRequest({ method, cseq: seq, fromTag: dialog.id.remoteTag, toTag: dialog.id.localTag, callId: dialog.id.callId });
      if (contact) r.headers.set('Contact', contact);
      else r.headers.delete('Contact');
      return r;
    };
    it('a request with a higher CSeq updates the remote CSeq', () => {
      const { dialog } = uacDialog();
      dialog.receiveRequest(inDialog(dialog, 'INFO', 5));
      dialog.receiveRequest(inDialog(dialog, 'INFO', 9));
      assert.equal(dialog.remoteSeq, 9);
    });
    it('a request with a lower or equal CSeq throws DialogError with status 500', () => {
      const { dialog } = uacDialog();
      dialog.receiveRequest(inDialog(dialog, 'INFO', 5));
      for (const seq of [5, 4]) {
        assert.throws(() => dialog.receiveRequest(inDialog(dialog, 'INFO', seq)), (e: unknown) => e instanceof DialogError && e.status === 500);
      }
    });
    it('ACK and CANCEL with the INVITE CSeq are accepted', () => {
      const { dialog } = uacDialog();
      dialog.receiveRequest(inDialog(dialog, 'INVITE', 7, '<sip:new@192.0.2.99>'));
      dialog.receiveRequest(inDialog(dialog, 'ACK', 7));
      assert.equal(dialog.remoteSeq, 7);
    });
    for (const method of ['INVITE', 'UPDATE']) {
      it(`an incoming ${method} with Contact refreshes the remote target`, () => {
        const { dialog } = uacDialog();
        dialog.receiveRequest(inDialog(dialog, method, 3, '<sip:bob@198.51.100.7:5080>'));
        assert.equal(formatUri(dialog.remoteTarget), 'sip:bob@198.51.100.7:5080');
      });
    }
    it('an incoming INFO with Contact does not refresh the remote target', () => {
      const { dialog } = uacDialog();
      dialog.receiveRequest(inDialog(dialog, 'INFO', 3, '<sip:bob@198.51.100.7>'));
      assert.equal(formatUri(dialog.remoteTarget), 'sip:bob@192.0.2.4:5062');
    });
    it('a request of another dialog throws DialogError with status 481', () => {
      const { dialog } = uacDialog();
      const other = sampleRequest({ method: 'BYE', toTag: 'nope', fromTag: dialog.id.remoteTag });
      assert.equal(dialog.matchesRequest(other), false);
      assert.throws(() => dialog.receiveRequest(other), (e: unknown) => e instanceof DialogError && e.status === 481);
    });
    it('a request built by the peer dialog matches and is accepted', () => {
      const req = invite();
      const res = answer(req, 200);
      const uac = Dialog.createUac(req, res);
      const uas = Dialog.createUas(req, res);
      const bye = parseMessage(serializeMessage(uac.createRequest('BYE')).toString().replace('Content-Length', 'Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\nContent-Length')) as SipRequest;
      assert.equal(uas.matchesRequest(bye), true);
      uas.receiveRequest(bye);
      assert.equal(uas.remoteSeq, 102);
    });
  });

  describe('receiveResponse()', () => {
    it('a 2xx to a re-INVITE with a new Contact refreshes the remote target', () => {
      const { dialog } = uacDialog();
      const reInvite = dialog.createRequest('INVITE');
      dialog.receiveResponse(answer(reInvite, 200, { contact: '<sip:bob@203.0.113.5>' }), reInvite);
      assert.equal(formatUri(dialog.remoteTarget), 'sip:bob@203.0.113.5');
    });
    it('a 2xx to UPDATE refreshes the remote target; a 2xx to INFO does not', () => {
      const { dialog } = uacDialog();
      const update = dialog.createRequest('UPDATE');
      dialog.receiveResponse(answer(update, 200, { contact: '<sip:bob@203.0.113.6>' }), update);
      const info = dialog.createRequest('INFO');
      dialog.receiveResponse(answer(info, 200, { contact: '<sip:bob@203.0.113.7>' }), info);
      assert.equal(formatUri(dialog.remoteTarget), 'sip:bob@203.0.113.6');
    });
    it('a 2xx to the INVITE confirms an early dialog and recomputes the route set from its Record-Route', () => {
      const req = invite();
      const early = Dialog.createUac(req, answer(req, 183, { recordRoute: ['<sip:old.example.com;lr>'] }));
      assert.equal(early.state, DialogState.Early);
      early.receiveResponse(answer(req, 200, { recordRoute: ['<sip:a.example.com;lr>', '<sip:b.example.com;lr>'], contact: '<sip:bob@192.0.2.77>' }), req);
      assert.equal(early.state, DialogState.Confirmed);
      assert.deepEqual(early.routeSet.map((r) => formatUri(r.uri)), ['sip:b.example.com;lr', 'sip:a.example.com;lr']);
      assert.equal(formatUri(early.remoteTarget), 'sip:bob@192.0.2.77');
    });
    it('a 1xx in an early dialog updates the remote target', () => {
      const req = invite();
      const early = Dialog.createUac(req, answer(req, 180));
      early.receiveResponse(answer(req, 183, { contact: '<sip:bob@192.0.2.55>' }), req);
      assert.equal(formatUri(early.remoteTarget), 'sip:bob@192.0.2.55');
    });
    for (const status of [481, 408]) {
      it(`a ${status} to an in-dialog request terminates the dialog`, () => {
        const { dialog } = uacDialog();
        const bye = dialog.createRequest('INFO');
        dialog.receiveResponse(createResponse(bye, status), bye);
        assert.equal(dialog.state, DialogState.Terminated);
      });
    }
  });

  describe('helpers', () => {
    it('dialogIdOfIncomingRequest() / dialogIdOfIncomingResponse() read the ids from the receiver side', () => {
      const req = invite();
      assert.equal(dialogIdOfIncomingRequest(req), undefined);
      const res = answer(req, 200);
      const fromUac = dialogIdOfIncomingResponse(res)!;
      assert.deepEqual(fromUac, { callId: req.headers.callId(), localTag: 'alice-tag', remoteTag: 'bob-tag' });
      const bye = sampleRequest({ method: 'BYE', toTag: 'bob-tag', fromTag: 'alice-tag' });
      assert.equal(dialogKey(dialogIdOfIncomingRequest(bye)!), `${req.headers.callId()}|bob-tag|alice-tag`);
    });
    it('dump() returns a plain snapshot', () => {
      const { dialog } = uacDialog();
      dialog.setLocalTarget(parseSipUri('sip:alice@192.0.2.1:5060'));
      assert.deepEqual(dialog.dump(), {
        id: { callId: 'a84b4c76e66710@pc33.atlanta.example.com', localTag: 'alice-tag', remoteTag: 'bob-tag' },
        role: 'uac',
        state: 'confirmed',
        localSeq: 101,
        remoteSeq: undefined,
        localUri: 'sip:alice@atlanta.example.com',
        remoteUri: 'sip:bob@biloxi.example.com',
        localTarget: 'sip:alice@192.0.2.1:5060',
        remoteTarget: 'sip:bob@192.0.2.4:5062',
        routeSet: ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>'],
        secure: false,
      });
    });
    it('confirm() on a terminated dialog throws DialogError', () => {
      const { dialog } = uacDialog();
      dialog.terminate();
      assert.throws(() => dialog.confirm(), DialogError);
    });
  });

  describe('record() / restore() (crash recovery)', () => {
    it('restore(record()) builds the BYE the live dialog would: next CSeq, ids, Request-URI, Route set', () => {
      const { dialog } = uacDialog();
      dialog.createRequest('INFO');
      const restored = Dialog.restore(JSON.parse(JSON.stringify(dialog.record())));
      const live = dialog.createRequest('BYE');
      const again = restored.createRequest('BYE');
      assert.equal(serializeMessage(again).toString(), serializeMessage(live).toString());
      assert.equal(again.headers.cseq().seq, 103);
    });

    it('observe() is told of every change record() shows: CSeq, target refresh, termination', () => {
      const { dialog } = uacDialog();
      let changes = 0;
      dialog.observe(() => {
        changes += 1;
      });
      dialog.createRequest('INFO');
      assert.equal(changes, 1);
      const reinvite = dialog.createRequest('INVITE');
      dialog.receiveResponse(answer(reinvite, 200, { contact: '<sip:bob@192.0.2.9:5062>' }), reinvite);
      assert.equal(formatUri(Dialog.restore(dialog.record()).remoteTarget), 'sip:bob@192.0.2.9:5062');
      assert.equal(changes, 3);
      dialog.terminate();
      dialog.terminate();
      assert.equal(changes, 4);
      dialog.observe(undefined);
    });

    it('restore() with an unparseable target throws SipParseError', () => {
      const { dialog } = uacDialog();
      assert.throws(() => Dialog.restore({ ...dialog.record(), remoteTarget: 'not a uri' }), (err: Error) => err.name === 'SipParseError');
    });
  });
});
