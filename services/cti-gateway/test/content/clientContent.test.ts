import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { DEFAULT_CLUSTER_ID } from '../../src/content/ClientContentService.ts';
import type { AsnClientContentGroupCluster } from '../../src/protocol/mod.ts';
import { startGateway, tcpClient } from '../support.ts';

const id = (login: string) => ({ u8sEntryID: login, u8sEntryIDDB: 'ucserver', u8sEntryIDStore: '' });
const team: AsnClientContentGroupCluster = {
  u8sID: 'team', u8sName: 'Team', iIsEditable: 1, iIsPersistent: 1, iIsTabbed: 0, u8sNeighbourClusterID: '',
  listGroups: [{ u8sID: 'team-g', u8sName: 'Team', u8sOrderBy: '', iAutorefresh: 0, iExpanded: 1, iIsEditable: 1, iIsPersistent: 1, listItems: [{ u8sID: 'i-bob', u8sPresenceID: 'bob', iIsEditable: 1, listNetDatabaseContactIDs: [id('bob')], selectedNetDatabaseContactID: id('bob') }] }],
};

/** The buddy list: a computed group of all users plus per-user groups, changed by revision, persisted. */
describe('client content (buddy list)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-content-'));
  let app: GatewayApp;
  before(async () => {
    app = await startGateway({ PGLITE_DIR: dir });
    await app.context.users.create({ login: 'alice', password: 'alice-pw', displayName: 'Alice A' });
    await app.context.users.create({ login: 'bob', password: 'bob-pw', displayName: 'Bob B' });
    await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'bob' });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('get: one default group of all users with their names and numbers', async (t) => {
    const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => alice.close());
    const c = await alice.invoke('asnGetClientContent', { iContactFilter: 1 });
    assert.equal(c.u8sContentRevision, '0');
    const bob = c.contactList.find((x) => x.u8sEntryID === 'bob');
    assert.deepEqual([bob?.u8sDisplayName, bob?.u8sPhoneBusiness, bob?.u8sEntryIDDB], ['Bob B', '101', 'ucserver']);
    const [all] = c.contentstructure.listGroupClusters;
    assert.equal(all!.u8sID, DEFAULT_CLUSTER_ID);
    assert.equal(all!.iIsEditable, 0);
    assert.deepEqual(all!.listGroups[0]!.listItems.map((i) => i.u8sPresenceID).sort(), ['alice', 'bob', 'carol']);
  });

  it("change: another session of the user hears it, a stale revision is refused, other users' content is untouched, a restart keeps it", async (t) => {
    const a1 = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    const a2 = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => [a1, a2, bob].forEach((c) => c.close()));
    assert.deepEqual(await a2.invoke('asnSubscribeClientContent', { iRevision: 0 }), { iRevision: 0 });
    const initial = await a2.waitForEvent('asnClientContentChanged', (e) => e.iRevision === 0);
    assert.equal(initial.listContentstructure?.length, 1);
    await bob.invoke('asnSubscribeClientContent', {});

    const external = { u8sEntryID: 'ext-1', u8sEntryIDDB: 'phonebook', u8sEntryIDStore: '', u8sDisplayName: 'Plumber', u8sPhoneBusiness: '+49 89 1' };
    const defaultAttempt = { ...team, u8sID: DEFAULT_CLUSTER_ID, u8sName: 'hijacked' };
    const r = await a1.invoke('asnChangeClientContent', { iRevision: 0, u8sVersion: '2', iIsEditable: 1, listContentstructure: [defaultAttempt, team], addedOrChangedContacts: [external, { u8sEntryID: 'x', u8sEntryIDDB: 'ucserver' }], iFlags: 0 });
    assert.deepEqual(r, { iRevision: 1 });
    const changed = await a2.waitForEvent('asnClientContentChanged', (e) => e.iRevision === 1);
    assert.deepEqual(changed.listContentstructure?.map((c) => [c.u8sID, c.u8sName]), [[DEFAULT_CLUSTER_ID, 'All users'], ['team', 'Team']]);
    assert.ok(changed.addedOrChangedContacts?.some((c) => c.u8sEntryID === 'ext-1'));
    assert.ok(!changed.addedOrChangedContacts?.some((c) => c.u8sEntryID === 'x'), 'server users are not stored from clients');

    await assert.rejects(a1.invoke('asnChangeClientContent', { iRevision: 0, u8sVersion: '2', iIsEditable: 1, listContentstructure: [], iFlags: 0 }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
    const bobs = await bob.invoke('asnGetClientContent', { iContactFilter: 0 });
    assert.deepEqual(bobs.contentstructure.listGroupClusters.map((c) => c.u8sID), [DEFAULT_CLUSTER_ID]);
    assert.equal(bob.received.filter((e) => e.name === 'asnClientContentChanged').length, 1, 'bob got only his initial content');
    // an admin adds a user: the group of all users changes for every subscriber
    await app.context.users.create({ login: 'dave', password: 'dave-pw', displayName: 'Dave D' });
    const withDave = await bob.waitForEvent('asnClientContentChanged', (e) => e.addedOrChangedContacts?.some((c) => c.u8sEntryID === 'dave') === true);
    assert.ok(withDave.listContentstructure?.[0]?.listGroups[0]?.listItems.some((i) => i.u8sPresenceID === 'dave'));
    await a2.waitForEvent('asnClientContentChanged', (e) => e.iRevision === 1 && e.addedOrChangedContacts?.some((c) => c.u8sEntryID === 'dave') === true);

    [a1, a2, bob].forEach((c) => c.close());
    await app.stop();
    app = await startGateway({ PGLITE_DIR: dir });
    const again = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    t.after(() => again.close());
    const kept = await again.invoke('asnGetClientContent', { iContactFilter: 0 });
    assert.equal(kept.u8sContentRevision, '1');
    assert.deepEqual(kept.contentstructure.listGroupClusters[1], team);
    // full update replaces the own contacts
    assert.deepEqual(await again.invoke('asnChangeClientContent', { iRevision: 1, u8sVersion: '2', iIsEditable: 1, addedOrChangedContacts: [], iFlags: 1 }), { iRevision: 2 });
    assert.ok(!(await again.invoke('asnGetClientContent', { iContactFilter: 0 })).contactList.some((c) => c.u8sEntryID === 'ext-1'));
  });
});
