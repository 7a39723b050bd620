// Pre-emptive INVITE credentials (RFC 3261 §22.3: a UAC may re-use credentials for later requests in the
// same realm). A PBX that challenges every INVITE (Kamailio's proxy_authorize, Asterisk's auth) costs each
// call a 407, its ACK and a second INVITE: a round trip through the PBX before it even rings (issue 16).
// The line's last challenge is kept, and a new INVITE carries an answer to it (a new nc and cnonce each
// time). A PBX that no longer takes that nonce (expired, one-time) challenges again, as it would have
// anyway: the call answers that challenge and its nonce is the one kept from then on.
import type { LineConfig } from '@ucserver/shared';
import { DigestClient, DigestError, type HeaderField, type SipRequest, type SipResponse } from '../sip/mod.ts';

interface Kept {
  /** The credentials the challenge was answered with: a line whose password changed starts over. */
  key: string;
  client: DigestClient;
}

export class InviteCredentials {
  readonly #lines = new Map<string, Kept>();
  readonly #max: number;

  /** @param max lines kept at most (the oldest challenge is forgotten past it) */
  constructor(max = 10_000) {
    this.#max = max;
  }

  /** Lines with a kept challenge. */
  get size(): number {
    return this.#lines.size;
  }

  /** The Authorization / Proxy-Authorization lines for a new INVITE of `line`; none before its first challenge. */
  preempt(line: LineConfig, invite: SipRequest): HeaderField[] {
    const kept = this.#lines.get(line.lineId);
    if (!kept || kept.key !== keyOf(line)) return [];
    return kept.client.authorize(invite);
  }

  /** A 401 / 407 to an INVITE of `line`: its challenge is the one later INVITEs answer at once. */
  challenged(line: LineConfig, invite: SipRequest, response: SipResponse): void {
    const key = keyOf(line);
    const client = new DigestClient({ credentials: { username: line.authUser || line.number, password: line.authPassword } });
    try {
      client.answer(invite, response);
    } catch (err) {
      if (err instanceof DigestError) return; // nothing we could answer: nothing to keep
      throw err;
    }
    client.succeeded();
    this.#lines.delete(line.lineId);
    if (this.#lines.size >= this.#max) this.#lines.delete(this.#lines.keys().next().value!);
    this.#lines.set(line.lineId, { key, client });
  }
}

const keyOf = (line: LineConfig): string => `${line.authUser || line.number}\u0000${line.authPassword}`;
