// The compose init (`secrets-init` in docker-compose.yml), run before anything else at every
// `docker compose up`:
//
//   node packages/shared/dist/deploy/initSecrets.js --dir /run/ucs [--owner 1000:1000]
//
// On first start it generates every secret into one directory per consumer (each a volume that only that
// service mounts): cti-gateway/{admin-token, auth-token-secret, line-credentials-key, nats.nk},
// pbx-adapter/{line-credentials-key, nats.nk}, media/nats.nk, admin/nats.nk (operators' NATS user),
// and at every start nats/auth.conf (the NATS users and permissions, from the bus access table, for
// BUS_PREFIX). ADMIN_TOKEN, AUTH_TOKEN_SECRET and LINE_CREDENTIALS_KEY given in its environment (compose's
// .env) are written instead; a documented example value is refused with exit code 1, so compose starts
// nothing. It prints which files it made, never their content.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { provisionSecrets, type SecretLayout } from './provision.ts';

/** The files under `dir`, one directory per volume. */
export function composeLayout(dir: string): SecretLayout {
  return {
    nkeySeeds: {
      'cti-gateway': join(dir, 'cti-gateway', 'nats.nk'),
      media: join(dir, 'media', 'nats.nk'),
      'pbx-adapter': join(dir, 'pbx-adapter', 'nats.nk'),
      admin: join(dir, 'admin', 'nats.nk'),
    },
    lineCredentialsKey: [join(dir, 'cti-gateway', 'line-credentials-key'), join(dir, 'pbx-adapter', 'line-credentials-key')],
    adminToken: join(dir, 'cti-gateway', 'admin-token'),
    authTokenSecret: join(dir, 'cti-gateway', 'auth-token-secret'),
    authorization: join(dir, 'nats', 'auth.conf'),
  };
}

function main(): number {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, owner: { type: 'string' } } });
  if (!values.dir) {
    console.error('usage: initSecrets --dir <directory> [--owner uid:gid]');
    return 2;
  }
  const owner = values.owner ? /^(\d+):(\d+)$/.exec(values.owner) : undefined;
  if (owner === null) {
    console.error(`--owner must be uid:gid, not '${values.owner}'`);
    return 2;
  }
  const prefix = process.env.BUS_PREFIX || 'ucs';
  const layout = composeLayout(values.dir);
  try {
    const report = provisionSecrets(layout, {
      prefix,
      owner: owner ? { uid: Number(owner[1]), gid: Number(owner[2]) } : undefined,
      given: { ADMIN_TOKEN: process.env.ADMIN_TOKEN, AUTH_TOKEN_SECRET: process.env.AUTH_TOKEN_SECRET, LINE_CREDENTIALS_KEY: process.env.LINE_CREDENTIALS_KEY },
    });
    if (report.created.length > 0) {
      console.log('ucserver: first start, generated these secrets (kept in their volumes and reused from now on):');
      for (const file of report.created) console.log(`  ${file}`);
    }
    if (report.written.length > 0) {
      console.log('ucserver: written from the environment (.env):');
      for (const file of report.written) console.log(`  ${file}`);
    }
    console.log(`ucserver: NATS users and permissions for bus prefix '${prefix}' written to ${layout.authorization}`);
    console.log('ucserver: the admin API token: docker compose exec cti-gateway cat /run/ucs-secrets/admin-token');
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ucserver: refusing to start: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) process.exitCode = main();
