import type { UserRow } from '@ucserver/shared/db';
import type { RoseWireMessage } from '../codec/mod.ts';
import { ClientSession } from './ClientSession.ts';
import { RestClientTransport } from './RestClientTransport.ts';
import type { RestSessionEntry as Entry, RestSessionStoreOptions } from './RestSessionStoreTypes.ts';

/**
 * The sessions behind `POST /ws/client/<operationName>`: one ClientSession per web-service session id,
 * created on its first REST call, logged in as the id's user, closed after `idleTimeoutMs` without a
 * call, on `destroysession`, or when the user's credentials are revoked (SessionRegistry). Bounded in
 * number (least recently used first).
 */
export class RestSessionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #options: Required<RestSessionStoreOptions>;

  constructor(options: RestSessionStoreOptions) {
    this.#options = { maxSessions: 10_000, replyTimeoutMs: 30_000, ...options };
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The REST session of `id`, created for `user` when there is none yet (`user` undefined: none is made). */
  open(id: string, user: UserRow | undefined, remote: { address: string; secure: boolean }): Entry | undefined {
    const known = this.#entries.get(id);
    if (known) {
      // most recently used last (Map order), for the eviction below
      this.#entries.delete(id);
      this.#entries.set(id, known);
      return known;
    }
    if (!user) return undefined;
    if (this.#entries.size >= this.#options.maxSessions) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.close(oldest, 'too many REST sessions');
    }
    const transport = new RestClientTransport({ remoteAddress: remote.address, secure: remote.secure, maxWaiting: this.#options.maxPendingInvokes, replyTimeoutMs: this.#options.replyTimeoutMs });
    const log = this.#options.logger.child({ component: 'cti-rest' });
    const session = new ClientSession(transport, this.#options.table, log, { maxPendingInvokes: this.#options.maxPendingInvokes });
    const entry: Entry = { session, transport, idle: undefined, nextInvokeId: 1 };
    transport.bindClose((reason) => session.close(reason));
    session.once('close', () => {
      clearTimeout(entry.idle);
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
    });
    this.#entries.set(id, entry);
    this.#options.sessions.add(session);
    session.authenticate(user);
    return entry;
  }

  /** Runs one invoke (`operationName`, bare argument) on the session of `id` and resolves to its answer. */
  async call(entry: Entry, operationName: string, argument: unknown): Promise<RoseWireMessage> {
    this.#touch(entry);
    const invokeID = entry.nextInvokeId;
    entry.nextInvokeId = invokeID >= 99_998 ? 1 : invokeID + 1;
    const answer = entry.transport.expect(invokeID);
    entry.session.receive(JSON.stringify({ invoke: { invokeID, operationID: 0, operationName, argument: argument ?? {} } }));
    try {
      return await answer;
    } finally {
      this.#touch(entry);
    }
  }

  /** Hands a client event (invokeID 99999) to the session; nothing answers it. */
  event(entry: Entry, operationName: string, argument: unknown): void {
    this.#touch(entry);
    entry.session.receive(JSON.stringify({ invoke: { invokeID: 99_999, operationID: 0, operationName, argument: argument ?? {} } }));
  }

  #touch(entry: Entry): void {
    clearTimeout(entry.idle);
    entry.idle = setTimeout(() => (entry.session.busy ? this.#touch(entry) : entry.session.close(`REST session idle for ${this.#options.idleTimeoutMs} ms`)), this.#options.idleTimeoutMs);
    entry.idle.unref();
  }

  close(id: string, reason: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#entries.delete(id);
    clearTimeout(entry.idle);
    entry.session.close(reason);
    return true;
  }

  closeAll(reason: string): void {
    for (const id of [...this.#entries.keys()]) this.close(id, reason);
  }
}
