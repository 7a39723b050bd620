import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { encodeFrame } from '../../src/codec/mod.ts';
import { EnetucClient, EnetucRejectError, EnetucRequestError } from '../../src/client/EnetucClient.ts';
import type { GatewayApp } from '../../src/app.ts';
import { startGateway, tcpClient } from '../support.ts';

/** A raw socket that collects everything the server writes, for byte-level assertions. */
async function rawSocket(app: GatewayApp): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const socket = connect({ host: '127.0.0.1', port: app.ctiPort });
  await once(socket, 'connect');
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString('utf8')));
  socket.on('error', () => undefined);
  return { socket, received: () => data, closed: once(socket, 'close') };
}

describe('ENetUC over TCP 7222', () => {
  let app: GatewayApp;
  before(async () => {
    // The idle timeout applies to every connection of this file: 1.5 s closed connections that merely waited
    // for another test's login on a loaded machine (1.76 s seen), so it is long enough for that.
    app = await startGateway({ LOGIN_MAX_FAILURES: '3', CTI_IDLE_TIMEOUT_MS: '5000', CTI_MAX_FRAME_BYTES: '4096' });
    await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    await app.context.users.create({ login: 'bob', password: 'bob-pw' });
    await app.context.users.create({ login: 'root', password: 'root-pw', role: 'admin' });
    await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', ownerLogin: 'alice', displayName: 'Alice desk' });
    await app.context.lines.create({ number: '101', registrar: '127.0.0.1:5060', ownerLogin: 'bob' });
  });
  after(() => app.stop());

  describe('session', () => {
    it('negotiate + login succeed; the login token works as bearer token on a new connection', async (t) => {
      const c = await tcpClient(app);
      t.after(() => c.close());
      const result = await c.login('alice', 'alice-pw');
      assert.ok('succceeded' in result);
      assert.equal(result.succceeded.u8sLoggedInUser, 'alice');
      const token = result.succceeded.token && 'u8sToken' in result.succceeded.token ? result.succceeded.token.u8sToken : '';
      assert.ok(token.length > 20);
      const c2 = await tcpClient(app);
      t.after(() => c2.close());
      const r2 = await c2.loginWithToken(token);
      assert.ok('succceeded' in r2 && r2.succceeded.u8sLoggedInUser === 'alice');
      // A token that is not ours is refused with the ENetUC error, as a failed password is.
      const c3 = await tcpClient(app);
      t.after(() => c3.close());
      const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      await assert.rejects(c3.loginWithToken(forged), (err: Error) => err instanceof EnetucRequestError && /invalid or expired token/.test(err.message));
    });

    it('asnLoginV2 without auth lists the supported methods (basic, bearer)', async (t) => {
      const c = await tcpClient(app);
      t.after(() => c.close());
      const r = await c.invoke('asnLoginV2', {});
      assert.deepEqual(r, { supportedAuthMethods: { authMethodsOrdered: [1, 5] } });
    });

    it('asnNegotiateServerConnectionV2 with a client that cannot speak version 8 gets incompatible', async (t) => {
      const c = await tcpClient(app);
      t.after(() => c.close());
      const r = await c.invoke('asnNegotiateServerConnectionV2', { u8sMinSupportedInterfaceVersion: '6.0.0', u8sMaxSupportedInterfaceVersion: '7.9.0', u8sClientDeviceId: 'x', u8sClientVersion: '1', eClientAppID: 1, u8sClientDeviceName: 'old', iClientCapabilities: 0 });
      assert.deepEqual(r, { incompatible: { u8sServerInterfaceVersion: '8.0.20240821' } });
    });

    it('a wrong password gets AsnRequestError 101; repeated failures get 131 (throttled)', async (t) => {
      const c = await tcpClient(app);
      t.after(() => c.close());
      await assert.rejects(c.login('bob', 'nope'), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 101);
      await assert.rejects(c.login('bob', 'nope'), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 101);
      await assert.rejects(c.login('bob', 'nope'), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 101);
      // locked now, even with the right password
      await assert.rejects(c.login('bob', 'bob-pw'), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 131);
    });

    it('an operation before login is rejected with authenticationIncomplete', async (t) => {
      const c = await tcpClient(app);
      t.after(() => c.close());
      await assert.rejects(c.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 }), (e: unknown) => {
        assert.ok(e instanceof EnetucRejectError);
        assert.deepEqual(e.problem, { invokeProblem: 9 });
        return true;
      });
    });

    it('an unknown operation gets reject unrecognisedOperation; a mistyped argument gets mistypedArgument; the session keeps working', async (t) => {
      const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
      t.after(() => c.close());
      c.sendRaw(JSON.stringify({ invoke: { invokeID: 77, operationID: 0, operationName: 'asnDoesNotExist', argument: {} } }));
      c.sendRaw(JSON.stringify({ invoke: { invokeID: 78, operationID: 1260, operationName: 'asnCtiEnumPhoneLines', argument: { typeofLines: 'many' } } }));
      const lines = await c.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
      assert.equal(lines.seqLines.length, 1);
      assert.deepEqual(c.rejects.map((r) => r.replace(/:.*/s, '')), ['unrecognisedOperation', 'mistypedArgument']);
    });

    it('replies mirror the framing byte-exactly: J-framed in, J-framed out; an event gets no reply', async () => {
      const raw = await rawSocket(app);
      raw.socket.write(encodeFrame(JSON.stringify({ invoke: { invokeID: 99999, operationID: 1706, operationName: 'asnTransportKeepAlive', argument: { dummy: null } } }), 'json-framed'));
      raw.socket.write(encodeFrame(JSON.stringify({ invoke: { invokeID: 5, operationID: 1005, operationName: 'asnLoginV2', argument: {} } }), 'json-framed'));
      const expected = '{"result":{"invokeID":5,"result":{"resultValue":0,"result":{"_type":"AsnLoginV2Result","supportedAuthMethods":{"authMethodsOrdered":[1,5]}}}}}';
      for (let i = 0; i < 100 && raw.received().length < expected.length + 8; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(raw.received(), `J${String(Buffer.byteLength(expected)).padStart(7, '0')}${expected}`);
      raw.socket.destroy();
    });

    it('bare JSON in gets bare JSON out', async () => {
      const raw = await rawSocket(app);
      raw.socket.write('{"invoke":{"invokeID":6,"operationID":1005,"argument":{}}}');
      for (let i = 0; i < 100 && !raw.received().includes('}}}}}'); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(raw.received().startsWith('{"result":{"invokeID":6,'), raw.received());
      raw.socket.destroy();
    });

    const garbage: Array<{ name: string; bytes: Buffer; details: RegExp }> = [
      { name: 'a bad prefix', bytes: Buffer.from('X0000010{"a":1}'), details: /protocol error/ },
      { name: 'a non-digit length', bytes: Buffer.from('J00a0010{"a":1}'), details: /protocol error/ },
      { name: 'a frame over the configured limit', bytes: Buffer.from('J0009999'), details: /protocol error/ },
      { name: 'invalid JSON in a frame', bytes: encodeFrame('{"invoke":', 'json-framed'), details: /./ },
      { name: 'BER', bytes: Buffer.from([0xa1, 0x03, 0x02, 0x01, 0x01]), details: /encoding not supported/ },
    ];
    for (const g of garbage) {
      it(`${g.name} gets a reject with a clear reason and the connection closes (server keeps serving)`, async () => {
        const raw = await rawSocket(app);
        raw.socket.write(g.bytes);
        if (g.name.startsWith('invalid JSON')) {
          // invalid JSON inside a valid frame is answered with a reject, the connection stays
          for (let i = 0; i < 100 && !raw.received().includes('reject'); i++) await new Promise((r) => setTimeout(r, 10));
          assert.match(raw.received(), /"reject":\{"invokedID":\{"invokednull":null\}/);
          raw.socket.destroy();
        } else {
          await raw.closed;
          assert.match(raw.received(), /"reject":\{"invokedID":\{"invokednull":null\}/);
          assert.match(raw.received(), g.details);
        }
        const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
        c.close();
      });
    }

    it('a silent connection is closed after the idle timeout; keep-alives hold it open', async () => {
      const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
      const kept = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
      const keepalive = setInterval(() => kept.sendEvent('asnTransportKeepAlive', { dummy: null }), 1000);
      try {
        await c.waitForClose(12_000);
        assert.equal(kept.closed, false);
      } finally {
        clearInterval(keepalive);
        kept.close();
      }
    });

    it('asnLogoff ends the session and closes the connection', async () => {
      const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
      c.sendEvent('asnLogoff', {});
      await c.waitForClose(2000);
    });

    it('too many invokes in flight get resourceLimitation', async () => {
      const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
      try {
        const results = await Promise.allSettled(Array.from({ length: 120 }, () => c.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 }, { timeoutMs: 10_000 })));
        const rejected = results.filter((r) => r.status === 'rejected' && r.reason instanceof EnetucRejectError && r.reason.problem?.invokeProblem === 3);
        const ok = results.filter((r) => r.status === 'fulfilled');
        assert.ok(ok.length >= 64, `${ok.length} answered`);
        assert.ok(rejected.length > 0, 'some were refused');
        assert.equal(ok.length + rejected.length, 120);
      } finally {
        c.close();
      }
    });
  });

  describe('CTI lines and authorisation', () => {
    let alice: EnetucClient;
    before(async () => {
      alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    });
    after(() => alice.close());

    it('asnCtiEnumPhoneLines lists only the user\'s own lines', async () => {
      const r = await alice.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
      assert.deepEqual(r.seqLines.map((l) => l.u8sLinePhoneNumber), ['tel:100']);
      assert.equal(r.seqLines[0]?.u8sDescriptor, 'Alice desk');
      assert.equal(r.seqLines[0]?.iLineOpenStatus, 4, 'not registered yet: open, no PBX connection');
    });

    it('system lines are for admins only', async () => {
      await assert.rejects(alice.invoke('asnCtiEnumPhoneLines', { typeofLines: 2, attachChangeNotify: 0 }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
      const root = await tcpClient(app, { user: 'root', password: 'root-pw' });
      try {
        const r = await root.invoke('asnCtiEnumPhoneLines', { typeofLines: 2, attachChangeNotify: 0 });
        assert.deepEqual(r.seqLines.map((l) => l.u8sPhoneNumber), ['100', '101']);
      } finally {
        root.close();
      }
    });

    it('monitoring another user\'s line is refused with accessdenied; an unknown line with invalidline', async () => {
      await assert.rejects(alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
      await assert.rejects(alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:999' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 3);
      await assert.rejects(alice.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: '101' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
    });

    it('controlling a call on another user\'s line is refused', async () => {
      await assert.rejects(alice.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '100', iNumberFormat: 0 }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
      await assert.rejects(alice.invoke('asnCtiDropCall', { u8sConnectionID: 'nope' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1);
    });

    it('monitor start/stop round trip; stopping an unknown monitor is an error', async () => {
      const m = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
      assert.match(m.u8sMonitorCrossRefID, /^MCR-/);
      assert.deepEqual(m.seqCalls, []);
      assert.deepEqual(await alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: m.u8sMonitorCrossRefID }), {});
      await assert.rejects(alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: m.u8sMonitorCrossRefID }), EnetucRequestError);
    });

    it('a client string of 3000 characters comes back in the error text as a bounded excerpt', async () => {
      const err = await alice.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: `1${'2'.repeat(2999)}` }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EnetucRequestError && err.iErrorDetail === 3, String(err));
      assert.match(err.message, /unknown line '12{199}…\(3000 bytes\)'/);
      assert.ok(err.message.length < 300, `${err.message.length} characters`);
    });

    it('disabling a user closes their live sessions at once and refuses their next login', async () => {
      await app.context.users.create({ login: 'carl', password: 'carl-pw' });
      const carl = await tcpClient(app, { user: 'carl', password: 'carl-pw' });
      const closed = carl.waitForClose(3000);
      await app.context.users.update('carl', { disabled: true });
      await closed;
      const again = await tcpClient(app);
      try {
        await assert.rejects(again.login('carl', 'carl-pw'), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 129);
      } finally {
        again.close();
      }
    });
  });
});
