// Client-side Digest state across a request chain: answers 401/407 challenges for every realm it has
// credentials for, counts nonce uses (nc), retries on stale=true, detects rejected credentials, and
// offers pre-emptive credentials for later requests (e.g. REGISTER refreshes).
import { createDigestCredentials, selectDigestChallenges, type DigestChallenge } from './digest.ts';
import { DigestError } from './errors.ts';
import { formatCredentials } from './headers/auth.ts';
import { cloneMessage, type SipRequest, type SipResponse } from './message.ts';
import type { HeaderField } from './SipHeaders.ts';
import { formatUri } from './uri.ts';

export interface DigestCredentialEntry {
  username: string;
  password: string;
  /** Realm these credentials are for; undefined matches any realm. */
  realm?: string | undefined;
}

export type DigestCredentialSource =
  | DigestCredentialEntry
  | DigestCredentialEntry[]
  | ((realm: string) => DigestCredentialEntry | undefined);

export interface DigestClientOptions {
  credentials: DigestCredentialSource;
  /** cnonce generator (tests pin it). */
  cnonce?: (() => string) | undefined;
}

interface RealmSession {
  header: 'Authorization' | 'Proxy-Authorization';
  challenge: DigestChallenge;
  entry: DigestCredentialEntry;
  nc: number;
  /** Answered since the last success: a new non-stale challenge means the credentials were rejected. */
  pending: boolean;
}

export class DigestClient {
  readonly #sessions = new Map<string, RealmSession>();
  readonly #options: DigestClientOptions;

  constructor(options: DigestClientOptions) {
    this.#options = options;
  }

  /**
   * Authorization (401) or Proxy-Authorization (407) header lines answering `response`, a challenge
   * to `request`. Throws DigestError when no challenge can be answered or credentials were rejected.
   */
  answer(request: SipRequest, response: SipResponse): HeaderField[] {
    if (response.status !== 401 && response.status !== 407) throw new TypeError(`answer() needs a 401 or 407, got ${response.status}`);
    const challengeHeader = response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const header = response.status === 401 ? 'Authorization' : 'Proxy-Authorization';
    const challenges = selectDigestChallenges(response.headers.challenges(challengeHeader));
    if (challenges.length === 0) throw new DigestError(`no supported Digest challenge in ${response.status} [method:${request.method}]`);
    const out: HeaderField[] = [];
    const missing: string[] = [];
    for (const challenge of challenges) {
      const entry = this.#lookup(challenge.realm);
      if (!entry) {
        missing.push(challenge.realm);
        continue;
      }
      const key = `${header}|${challenge.realm}`;
      const previous = this.#sessions.get(key);
      if (previous?.pending && !challenge.stale) {
        throw new DigestError(`credentials for ${entry.username} rejected [realm:${challenge.realm}, method:${request.method}]`);
      }
      const session: RealmSession = { header, challenge, entry, nc: 0, pending: true };
      this.#sessions.set(key, session);
      out.push({ name: header, value: this.#credentialsFor(session, request) });
    }
    if (out.length === 0) throw new DigestError(`no credentials for realm(s) ${missing.join(', ')} [method:${request.method}]`);
    return out;
  }

  /**
   * The request to send next: a copy of `request` with CSeq + 1, the top Via removed (a new client
   * transaction adds one with a new branch), previous credentials replaced by the answer.
   */
  retry(request: SipRequest, response: SipResponse): SipRequest {
    const fields = this.answer(request, response);
    const next = cloneMessage(request);
    const cseq = next.headers.cseq();
    next.headers.set('CSeq', `${cseq.seq + 1} ${cseq.method}`);
    next.headers.shift('Via');
    next.headers.delete(fields[0]?.name ?? 'Authorization');
    for (const f of fields) next.headers.append(f.name, f.value);
    return next;
  }

  /** Pre-emptive credentials for a new request, re-using known nonces with an incremented nc. */
  authorize(request: SipRequest): HeaderField[] {
    return [...this.#sessions.values()].map((s) => ({ name: s.header, value: this.#credentialsFor(s, request) }));
  }

  /** The challenged request succeeded: a later challenge with a new nonce is not a rejection. */
  succeeded(): void {
    for (const s of this.#sessions.values()) s.pending = false;
  }

  /** Forget all nonces. */
  reset(): void {
    this.#sessions.clear();
  }

  #credentialsFor(session: RealmSession, request: SipRequest): string {
    session.nc += 1;
    const creds = createDigestCredentials(session.challenge, {
      username: session.entry.username,
      password: session.entry.password,
      method: request.method,
      uri: formatUri(request.uri),
      body: request.body,
      nc: session.nc,
      cnonce: this.#options.cnonce?.(),
    });
    return formatCredentials(creds);
  }

  #lookup(realm: string): DigestCredentialEntry | undefined {
    const src = this.#options.credentials;
    if (typeof src === 'function') return src(realm);
    const list = Array.isArray(src) ? src : [src];
    return list.find((e) => e.realm === realm) ?? list.find((e) => e.realm === undefined);
  }
}
