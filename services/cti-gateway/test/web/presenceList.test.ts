// The web page's People list (web/src/Presence.ts) follows the buddy list live: it subscribes to it
// (asnSubscribeClientContent) and, on asnClientContentChanged, subscribes to the presence of users new
// to it and drops those gone — a user the admin creates shows up without a reconnect. Driven here with
// a connection double that answers as the gateway does; test/e2e/07-presence-web covers it in Chromium.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '@ucserver/testkit';
import type { EnetucConnection } from '../../web/src/EnetucConnection.ts';
import { Presence } from '../../web/src/Presence.ts';

type Contact = { u8sEntryIDDB: string; u8sEntryID: string; u8sDisplayName: string };
const user = (login: string, name: string): Contact => ({ u8sEntryIDDB: 'ucserver', u8sEntryID: login, u8sDisplayName: name });

/** Answers the page's invokes from a user table and records them; events are dispatched by the test. */
class FakeConnection extends EventTarget {
  readonly invokes: Array<{ name: string; argument: Record<string, unknown> }> = [];
  closed = false;
  readonly users: Contact[];
  constructor(users: Contact[]) {
    super();
    this.users = users;
  }

  async invoke<T>(name: string, argument: Record<string, unknown>): Promise<T> {
    this.invokes.push({ name, argument });
    switch (name) {
      case 'asnGetClientContent':
        return { contactList: [...this.users, { u8sEntryIDDB: 'outlook', u8sEntryID: 'x1', u8sDisplayName: 'Not a user' }] } as T;
      case 'asnGetAndSubscribePresenceV2':
        return {
          seqSubscribedPresence: (argument.seqContactIDs as string[]).map((id) => ({
            u8sContactId: id,
            iPresenceState: 1,
            asnRemoteContact: { u8sDisplayName: this.users.find((u) => u.u8sEntryID === id)?.u8sDisplayName ?? id },
            seqPhoneLines: [],
          })),
        } as T;
      case 'asnSubscribeClientContent':
        queueMicrotask(() => this.push());
        return { iRevision: 0 } as T;
      default:
        throw new Error(`unexpected invoke ${name}`);
    }
  }

  /** The gateway's asnClientContentChanged: the whole list as it is now. */
  push(): void {
    this.dispatchEvent(new CustomEvent('event', { detail: { name: 'asnClientContentChanged', argument: { iRevision: 0, addedOrChangedContacts: this.users, iFlags: 0 } } }));
  }

  subscribedTo(): string[][] {
    return this.invokes.filter((i) => i.name === 'asnGetAndSubscribePresenceV2').map((i) => i.argument.seqContactIDs as string[]);
  }
}

describe('web People list follows the buddy list', () => {
  test('a user added while the page is open is subscribed and listed; a removed one leaves the list', async () => {
    const conn = new FakeConnection([user('alice', 'Alice A'), user('bob', 'Bob B')]);
    const presence = new Presence();
    await presence.start(conn as unknown as EnetucConnection, 'alice');
    assert.deepEqual(conn.invokes.map((i) => i.name), ['asnGetClientContent', 'asnGetAndSubscribePresenceV2', 'asnSubscribeClientContent']);
    assert.deepEqual(conn.subscribedTo(), [['alice', 'bob']]);
    assert.deepEqual(presence.others.map((e) => e.name), ['Bob B']);

    // the list right after subscribing holds nobody new: no further subscription
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(conn.subscribedTo().length, 1);

    // the admin creates dave: the gateway pushes the list, the page subscribes to dave only
    conn.users.push(user('dave', 'Dave D'));
    conn.push();
    await check(() => presence.others.some((e) => e.contactId === 'dave'), 2000, { name: 'dave listed' });
    assert.deepEqual(conn.subscribedTo(), [['alice', 'bob'], ['dave']]);
    assert.deepEqual(presence.others.map((e) => [e.name, e.badge]), [['Bob B', 'free'], ['Dave D', 'free']]);

    // bob is removed: he leaves the list; alice (self) stays
    conn.users.splice(1, 1);
    conn.push();
    await check(() => !presence.others.some((e) => e.contactId === 'bob'), 2000, { name: 'bob gone' });
    assert.deepEqual(presence.others.map((e) => e.name), ['Dave D']);
    assert.equal(presence.self?.contactId, 'alice');

    // after detach, changes are ignored
    presence.detach();
    conn.users.push(user('erin', 'Erin E'));
    conn.push();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(conn.subscribedTo().length, 2);
  });
});
