import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { dbSchema } from '@ucserver/shared/db';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { startGateway, tcpClient } from '../support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** Absent state and note: own only, read by all, announced, reflected in presence, persisted across a restart. */
describe('absent state and custom note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-absent-'));
  let app: GatewayApp;
  before(async () => {
    app = await startGateway({ PGLITE_DIR: dir });
    await app.context.users.create({ login: 'alice', password: 'alice-pw', displayName: 'Alice A' });
    await app.context.users.create({ login: 'bob', password: 'bob-pw' });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('alice sets, bob sees; only alice may change hers; a gateway restart keeps state and note', async (t) => {
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    const alice2 = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => [alice, alice2, bob].forEach((c) => c.close()));
    const sub = await bob.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['alice'] });
    assert.deepEqual(sub.seqSubscribedPresence[0]!.asnAbsentState, { u8sContactId: 'alice', eAbsentState: 4 });

    const r = await alice.invoke('asnSetUserAbsentState', { absentstate: { u8sContactId: 'alice', eAbsentState: 1, stTimeTo: '2026-12-24T17:00:00Z', eReachability: 4 } });
    assert.deepEqual(r, { bSuccess: true });
    const mine = await alice2.waitForEvent('asnUpdateMyAbsentStateV2');
    assert.deepEqual(mine.absentstate, { u8sContactId: 'alice', eAbsentState: 1, stTimeTo: '2026-12-24T17:00:00Z', eReachability: 4 });
    const seen = await bob.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.asnAbsentState?.eAbsentState === 1);
    assert.equal(seen.presence.iPresenceState, 0x3, 'absent');
    assert.equal(seen.iChangedFlags & 16, 16);
    assert.deepEqual((await bob.invoke('asnGetUserAbsentState', { contactId: 'alice' })).absentstate.eAbsentState, 1);
    const me = (await alice.invoke('asnGetLoggedInContactV2', {})).ownContact;
    assert.deepEqual([me.u8sContactId, me.iPresenceState, me.asnAbsentState.eAbsentState, me.asnRemoteContact.u8sDisplayName], ['alice', 0x3, 1, 'Alice A'], 'who am I shows the same');

    await alice.invoke('asnCustomNoteSet', { customnote: { u8sContactID: 'alice', u8sUsername: 'Alice A', u8sNote: 'back at 2' } });
    assert.equal((await alice2.waitForEvent('asnUpdateMyCustomNote')).customnote.u8sNote, 'back at 2');
    const noted = await bob.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.asnCustomNote?.u8sNote === 'back at 2');
    assert.equal(noted.presence.iPresenceState, 0x1000_0003, 'absent with NOTESET');

    // bob may read, never write, alice's
    const denied = (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2;
    await assert.rejects(bob.invoke('asnSetUserAbsentState', { absentstate: { u8sContactId: 'alice', eAbsentState: 0 } }), denied);
    await assert.rejects(bob.invoke('asnResetUserAbsentState', { u8sContactId: 'alice' }), denied);
    await assert.rejects(bob.invoke('asnCustomNoteSet', { customnote: { u8sContactID: 'alice', u8sUsername: '', u8sNote: 'hacked' } }), denied);
    await assert.rejects(alice.invoke('asnSetUserAbsentState', { absentstate: { u8sContactId: 'alice', eAbsentState: 9 } }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1);

    const userId = (await app.context.users.require('alice')).id;
    const [row] = await app.context.database.db.select().from(dbSchema.userPresence).where(eq(dbSchema.userPresence.userId, userId));
    assert.equal(row?.absentState, 1);
    assert.equal(row?.note, 'back at 2');
    assert.equal(row?.absentTo?.toISOString(), '2026-12-24T17:00:00.000Z');

    // restart on the same database
    [alice, alice2, bob].forEach((c) => c.close());
    await app.stop();
    app = await startGateway({ PGLITE_DIR: dir });
    const carol = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => carol.close());
    const after = (await carol.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['alice'] })).seqSubscribedPresence[0]!;
    assert.equal(after.asnAbsentState?.eAbsentState, 1);
    assert.equal(after.asnAbsentState?.stTimeTo, '2026-12-24T17:00:00Z');
    assert.equal(after.asnCustomNote?.u8sNote, 'back at 2');
    assert.equal(after.iPresenceState, 0x1800_0003, 'absent, offline (no client), NOTESET');

    const alice3 = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice3.close());
    await alice3.invoke('asnResetUserAbsentState', { u8sContactId: '' });
    const reset = await carol.waitForEvent('asnUpdatePresenceV2', (a) => a.presence.asnAbsentState?.eAbsentState === 4);
    assert.equal(reset.presence.iPresenceState, 0x1000_0001, 'available with a note');
  });

  it("estos's ChangePresence sample over the WebSocket: V1 names, V1 event with iAbsentState", async () => {
    const base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    const created = await fetch(`${base}/ws/client/createsession?clientappid=15`, { method: 'POST', headers: { authorization: basic('bob', 'bob-pw'), 'content-type': 'application/json;charset=utf-8', 'x-no401': '1' }, body: '{ "negotiate": { "iClientProtocolVersion": 70 } }' });
    const { sessionid } = (await created.json()) as { sessionid: string };
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/client/websocket?x-ucsessionid=${sessionid}`);
    await once(ws, 'open');
    const inbox: Json[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data) => {
      inbox.push((JSON.parse(String(data)) as Json[])[0]!);
      waiters.splice(0).forEach((w) => w());
    });
    const next = async (match: (m: Json) => boolean): Promise<Json> => {
      for (let i = 0; i < 100; i++) {
        const found = inbox.find(match);
        if (found) return found;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      throw new Error(`no matching message; got ${JSON.stringify(inbox)}`);
    };
    let invokeid = 1;
    const roseInvoke = (operationname: string, argument: Json): number => {
      const id = invokeid++;
      ws.send(JSON.stringify({ invoke: { argument, invokeID: id, operationID: 0, operationName: operationname } }, null, 4));
      return id;
    };
    // getmycontact → subscribeToContact → setNewPresence('outofoffice'), as the sample does
    const id1 = roseInvoke('asnGetLoggedInContact', { _type: 'AsnGetLoggedInContactArgument' });
    const me = await next((m) => m.result?.invokeID === id1);
    assert.equal(me.result.result.result._type, 'AsnGetLoggedInContactResult');
    const contactid = me.result.result.result.ownContact.u8sContactId as string;
    const id2 = roseInvoke('asnGetAndSubscribePresence', { _type: 'AsnGetAndSubscribePresenceArgument', seqContactIDs: [contactid] });
    const subscribed = await next((m) => m.result?.invokeID === id2);
    assert.equal(subscribed.result.result.result._type, 'AsnGetAndSubscribePresenceResult');
    const absentstate = { _type: 'AsnAbsentState', u8sContactId: contactid, u8sUsername: '', stTimeFrom: '', stTimeTo: '', iAbsentState: 1, u8sMessage: '', u8sAbsentReason: '', iPresenceState: 0, optionalParams: {} };
    const id3 = roseInvoke('asnAbsentStateSetUser', { _type: 'AsnAbsentStateSetUserArgument', absentstate, optionalParams: {} });
    const set = await next((m) => m.result?.invokeID === id3);
    assert.deepEqual(set.result.result.result, { _type: 'AsnAbsentStateSetUserResult', bSuccess: true });
    const event = await next((m) => m.invoke?.invokeID === 99999 && m.invoke.argument?._type === 'AsnUpdatePresenceArgument');
    assert.equal(event.invoke.operationName, 'asnUpdatePresence');
    assert.equal(event.invoke.argument.presence.iPresenceState & 0xff, 3, 'Absent');
    assert.equal(event.invoke.argument.presence.asnAbsentState.iAbsentState, 1, 'the sample reads iAbsentState');
    const id4 = roseInvoke('asnAbsentStateReset', { _type: 'AsnAbsentStateResetArgument', u8sContactId: contactid, optionalParams: {} });
    assert.equal((await next((m) => m.result?.invokeID === id4)).result.result.result._type, 'AsnAbsentStateResetResult');
    ws.close();
  });
});
