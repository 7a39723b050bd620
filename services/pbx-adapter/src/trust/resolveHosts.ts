// The addresses of the PBX hosts the lines register at: IP literals as they are, names resolved (every
// address, IPv4 and IPv6). A name that does not resolve keeps the addresses it had at its last
// successful lookup (`known`), so a DNS hiccup does not turn the PBX away; a name never resolved is
// logged and left out (its line's REGISTER fails too, and says why).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '@ucserver/shared';

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/**
 * Resolves `hosts`; `known` (name → addresses) is read for failed lookups and updated with the
 * successful ones (names no longer listed are forgotten). `lookupAll` defaults to the system resolver.
 */
export type LookupAll = (host: string) => Promise<string[]>;

const systemLookup: LookupAll = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

export async function resolveHosts(hosts: readonly string[], logger: Logger, known: Map<string, string[]> = new Map(), lookupAll: LookupAll = systemLookup): Promise<string[]> {
  const out = new Set<string>();
  const listed = new Set(hosts.map(unbracket));
  for (const name of [...known.keys()]) if (!listed.has(name)) known.delete(name);
  await Promise.all(
    [...listed].map(async (host) => {
      if (isIP(host) !== 0) {
        out.add(host);
        return;
      }
      try {
        const addresses = await lookupAll(host);
        known.set(host, addresses);
        for (const a of addresses) out.add(a);
      } catch (err) {
        const previous = known.get(host) ?? [];
        for (const a of previous) out.add(a);
        logger.warn({ host, err: (err as Error).message, keeping: previous }, 'registrar name does not resolve; its earlier addresses stay trusted, if any');
      }
    }),
  );
  return [...out];
}
