// Who may talk SIP to the adapter (as Kamailio's permissions + pike modules do): the PBX hosts the lines
// register at (their registrar's resolved addresses, kept up to date by the composition root) and the
// configured SIP_TRUSTED_PEERS. Every message first spends a token of its source address's bucket
// (trusted sources have a high rate, untrusted ones a low rate and a shared budget); the transports ask
// admit() before parsing, so a flood costs a Map lookup per packet. After parsing, verdict() applies the
// decision table of screen.ts: untrusted requests get 403, untrusted responses and ACKs are dropped.
import { EventEmitter } from 'node:events';
import type { BlockList } from 'node:net';
import { peerBlockList } from '@ucserver/shared';
import { safeEmit } from '../sip/mod.ts';
import { RateTable } from './RateTable.ts';
import { normalizeAddress, PASS, screenVerdict, type ScreenRates, type ScreenVerdict } from './screen.ts';
import type { SourceScreenEvents, SourceScreenOptions } from './SourceScreenTypes.ts';

/** The bucket key shared by every untrusted source (cannot collide with an address). */
const UNTRUSTED_TOTAL = '*untrusted*';

export class SourceScreen extends EventEmitter<SourceScreenEvents> {
  readonly #peers: BlockList;
  readonly #rates: ScreenRates;
  readonly #table: RateTable;
  #pbxHosts = new Set<string>();

  constructor(options: SourceScreenOptions) {
    super();
    this.#peers = peerBlockList(options.peers);
    this.#rates = options.rates;
    this.#table = new RateTable({ maxEntries: options.maxSources, now: options.now });
  }

  /** Replaces the set of PBX addresses (the lines' registrars, resolved). */
  setPbxHosts(addresses: Iterable<string>): void {
    this.#pbxHosts = new Set([...addresses].map(normalizeAddress));
  }

  get pbxHosts(): ReadonlySet<string> {
    return this.#pbxHosts;
  }

  /** Source addresses tracked by the rate table. */
  get trackedSources(): number {
    return this.#table.size;
  }

  trusted(address: string): boolean {
    const a = normalizeAddress(address);
    if (this.#pbxHosts.has(a)) return true;
    try {
      return this.#peers.check(a, a.includes(':') ? 'ipv6' : 'ipv4');
    } catch {
      // Not an IP address (cannot happen for a socket's remote address): not trusted.
      return false;
    }
  }

  /**
   * Before parsing: spends a token of the source's bucket; false (counted as rate-limited) when the
   * message must be dropped unparsed.
   */
  admit(address: string): boolean {
    const a = normalizeAddress(address);
    const trusted = this.trusted(a);
    const withinRate = trusted
      ? this.#table.take(a, this.#rates.trusted)
      : this.#table.take(a, this.#rates.untrusted) && this.#table.take(UNTRUSTED_TOTAL, this.#rates.untrustedTotal);
    if (withinRate) return true;
    safeEmit(this, 'screened', 'rate-limited', a);
    return false;
  }

  /** After parsing (the rate was spent in admit()): pass, drop or reject with 403; refusals are reported. */
  verdict(message: { type: 'request'; method: string } | { type: 'response' }, address: string): ScreenVerdict {
    const trusted = this.trusted(address);
    if (trusted) return PASS;
    const verdict = screenVerdict({ trusted, withinRate: true, message });
    if (verdict.action !== 'pass') safeEmit(this, 'screened', verdict.reason, normalizeAddress(address));
    return verdict;
  }
}
