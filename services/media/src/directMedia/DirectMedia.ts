import type { Logger } from '@ucserver/shared';
import { DirectLink } from './DirectLink.ts';
import type { DirectMediaOptions, DirectMediaParty } from './DirectMediaTypes.ts';
import { TupleRegistry } from './TupleRegistry.ts';

/**
 * Detects Direct Media and wires it: when call X's PBX leg is told to send to call Y's PBX tuple and
 * Y's to X's (both on this node), the two softphones are connected inside mediasoup instead of over
 * UDP to the node's own sockets. Any other change of either remote breaks the link again.
 */
export class DirectMedia {
  readonly #tuples = new TupleRegistry<DirectMediaParty>();
  readonly #links = new Map<DirectMediaParty, DirectLink>();
  readonly #logger: Logger;
  readonly #pipeIp: string;

  constructor(options: DirectMediaOptions) {
    this.#logger = options.logger.child({ component: 'direct-media' });
    this.#pipeIp = options.pipeIp ?? '127.0.0.1';
  }

  /** Records `call`'s PBX tuple (its announced and listen addresses at `port`). */
  register(call: DirectMediaParty, addresses: string[], port: number): void {
    this.#tuples.register(call, addresses, port);
  }

  /** The call whose PBX tuple is `address:port`, if any. */
  ownerOf(address: string, port: number): DirectMediaParty | undefined {
    return this.#tuples.lookup(address, port);
  }

  /** True when `address:port` is a PBX tuple of this node. */
  isLocal(address: string, port: number): boolean {
    return this.#tuples.lookup(address, port) !== undefined;
  }

  /**
   * The call whose PBX tuple `call`'s PBX leg points at (a Direct Media partner to be, before the link
   * exists: the other side has not pointed back yet); undefined otherwise.
   */
  tupleOwnerOf(call: DirectMediaParty): DirectMediaParty | undefined {
    const remote = call.pbxRemote;
    const owner = remote && this.#tuples.lookup(remote.address, remote.port);
    return owner === call ? undefined : owner;
  }

  linkOf(call: DirectMediaParty): DirectLink | undefined {
    return this.#links.get(call);
  }

  /**
   * Re-evaluates `call` after its PBX remote (or codec) changed. Returns every call whose wiring
   * changed, for the caller to reconcile.
   */
  update(call: DirectMediaParty): DirectMediaParty[] {
    const affected = new Set<DirectMediaParty>();
    const wanted = this.#partnerOf(call);
    const current = this.#links.get(call);
    if (current && current.peerOf(call) !== wanted) {
      this.#unlink(current, affected);
    }
    if (wanted && !this.#links.has(call)) {
      // The partner may still be linked elsewhere (its remote changed after ours): that link is stale.
      const stale = this.#links.get(wanted);
      if (stale) this.#unlink(stale, affected);
      const link = new DirectLink(call, wanted, this.#logger, this.#pipeIp);
      this.#links.set(call, link);
      this.#links.set(wanted, link);
      affected.add(call).add(wanted);
      this.#logger.info({ callId: call.id, peerCallId: wanted.id }, 'Direct Media linked');
    }
    return [...affected];
  }

  /** Forgets `call` (closing); returns the call that lost its Direct Media partner, if any. */
  remove(call: DirectMediaParty): DirectMediaParty[] {
    this.#tuples.unregister(call);
    const link = this.#links.get(call);
    if (!link) return [];
    const affected = new Set<DirectMediaParty>();
    this.#unlink(link, affected);
    affected.delete(call);
    return [...affected];
  }

  #partnerOf(call: DirectMediaParty): DirectMediaParty | undefined {
    const remote = call.pbxRemote;
    if (!remote) return undefined;
    const peer = this.#tuples.lookup(remote.address, remote.port);
    if (!peer || peer === call) return undefined;
    const back = peer.pbxRemote;
    if (!back || this.#tuples.lookup(back.address, back.port) !== call) return undefined;
    // mediasoup relays, it does not transcode: both softphones must use the same codec.
    if (!call.codecName || call.codecName !== peer.codecName) {
      this.#logger.warn({ callId: call.id, peerCallId: peer.id, codec: call.codecName, peerCodec: peer.codecName }, 'legs point at each other but codecs differ; no Direct Media');
      return undefined;
    }
    return peer;
  }

  #unlink(link: DirectLink, affected: Set<DirectMediaParty>): void {
    if (this.#links.get(link.a) === link) this.#links.delete(link.a);
    if (this.#links.get(link.b) === link) this.#links.delete(link.b);
    link.close();
    affected.add(link.a).add(link.b);
    this.#logger.info({ callId: link.a.id, peerCallId: link.b.id }, 'Direct Media unlinked');
  }
}
