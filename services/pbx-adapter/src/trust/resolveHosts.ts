// The addresses of the PBX hosts the lines register at: IP literals as they are, names resolved (every
// address, IPv4 and IPv6). A name that does not resolve is logged and left out (its line's REGISTER
// fails too, and says why).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '@ucserver/shared';

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

export async function resolveHosts(hosts: readonly string[], logger: Logger): Promise<string[]> {
  const out = new Set<string>();
  await Promise.all(
    hosts.map(async (h) => {
      const host = unbracket(h);
      if (isIP(host) !== 0) {
        out.add(host);
        return;
      }
      try {
        for (const a of await lookup(host, { all: true })) out.add(a.address);
      } catch (err) {
        logger.warn({ host, err: (err as Error).message }, 'registrar name does not resolve; its SIP requests are not trusted');
      }
    }),
  );
  return [...out];
}
