import type { AdminClient } from './AdminClient.ts';
import { AdminApiError } from './errors.ts';

/**
 * Demo data matching the test PBX in infra/pbx: users alice and bob with lines 100 and 101, carol
 * with 102, and an admin. Line credentials follow the PBX's users file. Existing entries are kept, so
 * seeding twice is harmless.
 */
const demoUsers = [
  { login: 'admin', password: 'adminpw', displayName: 'Administrator', role: 'admin' as const },
  { login: 'alice', password: 'alicepw', displayName: 'Alice Example', role: 'user' as const },
  { login: 'bob', password: 'bobpw', displayName: 'Bob Example', role: 'user' as const },
  { login: 'carol', password: 'carolpw', displayName: 'Carol Example', role: 'user' as const },
];

const demoLines = [
  { number: '100', owner: 'alice', displayName: 'Alice desk' },
  { number: '101', owner: 'bob', displayName: 'Bob desk' },
  { number: '102', owner: 'carol', displayName: 'Carol desk' },
];

/** The test PBX's password for line N (infra/pbx/users.conf). */
function demoLinePassword(number: string): string {
  return `pw${number}`;
}

export async function seed(client: AdminClient, options: { registrar: string; transport?: 'udp' | 'tcp' }, print: (line: string) => void): Promise<void> {
  for (const u of demoUsers) {
    await ignoreConflict(client.request('POST', '/users', u), () => print(`user ${u.login} exists, kept`));
    print(`user ${u.login} (password '${u.password}')`);
  }
  for (const l of demoLines) {
    await ignoreConflict(
      client.request('POST', '/lines', {
        number: l.number,
        registrar: options.registrar,
        transport: options.transport ?? 'udp',
        authUser: l.number,
        authPassword: demoLinePassword(l.number),
        owner: l.owner,
        displayName: l.displayName,
      }),
      () => print(`line ${l.number} exists, kept`),
    );
    print(`line ${l.number} → ${l.owner} at ${options.registrar}`);
  }
}

async function ignoreConflict(p: Promise<unknown>, onConflict: () => void): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AdminApiError && err.status === 409) onConflict();
    else throw err;
  }
}
