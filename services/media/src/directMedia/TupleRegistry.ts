import { isIP } from 'node:net';

/**
 * This node's own PlainTransport tuples (address:port as written in SDP), so a PBX leg whose remote is
 * one of them can be recognised as pointing back at this node (Direct Media through a PBX that passes
 * SDP through or re-INVITEs both legs at each other).
 */
export class TupleRegistry<Owner> {
  readonly #owners = new Map<string, Owner>();
  readonly #keys = new Map<Owner, string[]>();

  static key(address: string, port: number): string {
    const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
    return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
  }

  /** Registers `owner` under each address (announced and listen IP) at `port`, replacing its old keys. */
  register(owner: Owner, addresses: string[], port: number): void {
    this.unregister(owner);
    const keys = [...new Set(addresses.filter((a) => a !== '0.0.0.0' && a !== '::').map((a) => TupleRegistry.key(a, port)))];
    for (const key of keys) this.#owners.set(key, owner);
    this.#keys.set(owner, keys);
  }

  unregister(owner: Owner): void {
    for (const key of this.#keys.get(owner) ?? []) {
      if (this.#owners.get(key) === owner) this.#owners.delete(key);
    }
    this.#keys.delete(owner);
  }

  lookup(address: string, port: number): Owner | undefined {
    return this.#owners.get(TupleRegistry.key(address, port));
  }

  get size(): number {
    return this.#keys.size;
  }
}
