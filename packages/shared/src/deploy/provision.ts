// First start: every secret a deployment needs, generated once into files and kept from then on, and the
// NATS server's authorization regenerated from the bus access table at every start (its public keys come
// from the seeds, its permissions from the table, so a new subject needs no manual edit). `npm start`
// (scripts/start.ts) and the compose init (deploy/initSecrets.ts) lay the files out differently; both
// call provisionSecrets().
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { busServices, type BusService } from '../bus/busAccess.ts';
import { natsAuthorizationConfig } from '../bus/natsAuthorization.ts';
import { generateSealingKeyText, isSealingKeyText } from '../bus/sealedSecret.ts';
import { Subjects } from '../bus/subjects.ts';
import { isExampleSecret } from '../config/services.ts';
import { ConfigError } from '../errors.ts';
import { ensureSecretFile, readSecretFile, writeSecretFile, type SecretFileOptions } from './secretFiles.ts';

/** The NATS users: one per service, and `admin` for operators' tools. */
export type NatsUser = BusService | 'admin';

/** Where each secret lives. A secret two services hold (the line credentials key) has a file for each. */
export interface SecretLayout {
  /** The nkey seed file of each NATS user. */
  nkeySeeds: Readonly<Record<NatsUser, string>>;
  /** Copies of LINE_CREDENTIALS_KEY (the cti-gateway's and the pbx-adapter's). */
  lineCredentialsKey: readonly string[];
  /** ADMIN_TOKEN and AUTH_TOKEN_SECRET of the cti-gateway, when the layout generates them. */
  adminToken?: string | undefined;
  authTokenSecret?: string | undefined;
  /** The nats-server include file with the `authorization` block (public keys only, mode 0644). */
  authorization: string;
}

/** Values the operator chose (e.g. from compose's .env): written instead of generated ones. */
export interface GivenSecrets {
  ADMIN_TOKEN?: string | undefined;
  AUTH_TOKEN_SECRET?: string | undefined;
  LINE_CREDENTIALS_KEY?: string | undefined;
}

export interface ProvisionOptions extends SecretFileOptions {
  /** BUS_PREFIX: the permissions are per prefix. */
  prefix: string;
  given?: GivenSecrets | undefined;
}

export interface ProvisionReport {
  /** Files generated now (first start), by path. */
  created: string[];
  /** Files written from given values. */
  written: string[];
}

const token = (): string => randomBytes(32).toString('base64url');

/**
 * Creates what is missing, writes what is given, regenerates the authorization. A given value that
 * cannot be used, or a file that holds no secret of its kind, is a ConfigError (named, never echoed).
 */
export function provisionSecrets(layout: SecretLayout, options: ProvisionOptions): ProvisionReport {
  const report: ProvisionReport = { created: [], written: [] };
  const given = options.given ?? {};
  checkGiven(given);
  const publicKeys = {} as Record<NatsUser, string>;
  for (const user of [...busServices, 'admin'] as const) {
    const file = layout.nkeySeeds[user];
    const { value, created } = ensureSecretFile(file, () => new TextDecoder().decode(createUser().getSeed()), options);
    if (created) report.created.push(file);
    publicKeys[user] = publicKeyOf(value, file);
  }
  const tokens: Array<[string | undefined, string | undefined]> = [[layout.adminToken, given.ADMIN_TOKEN], [layout.authTokenSecret, given.AUTH_TOKEN_SECRET]];
  for (const [file, value] of tokens) {
    if (file === undefined) continue;
    if (value) {
      writeSecretFile(file, value, options);
      report.written.push(file);
    } else if (ensureSecretFile(file, token, options).created) {
      report.created.push(file);
    }
  }
  provisionLineKey(layout.lineCredentialsKey, given.LINE_CREDENTIALS_KEY, options, report);
  const text = natsAuthorizationConfig({ subjects: new Subjects(options.prefix), users: publicKeys, admin: publicKeys.admin });
  // Public keys and permissions only: readable by the NATS server's user, whoever that is.
  mkdirSync(dirname(layout.authorization), { recursive: true, mode: 0o755 });
  const temp = `${layout.authorization}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o644 });
  renameSync(temp, layout.authorization);
  return report;
}

function checkGiven(given: GivenSecrets): void {
  for (const variable of ['ADMIN_TOKEN', 'AUTH_TOKEN_SECRET'] as const) {
    const value = given[variable];
    if (value && isExampleSecret(value)) fail(variable, 'a documented example value; set your own or leave it empty to have one generated');
  }
  if (given.LINE_CREDENTIALS_KEY && !isSealingKeyText(given.LINE_CREDENTIALS_KEY)) {
    fail('LINE_CREDENTIALS_KEY', 'expected 32 bytes in base64 (e.g. openssl rand -base64 32)');
  }
}

/** One key in every file: the given one, else the one an earlier start made, else a new one. */
function provisionLineKey(files: readonly string[], given: string | undefined, options: SecretFileOptions, report: ProvisionReport): void {
  if (given) {
    for (const file of files) writeSecretFile(file, given.trim(), options);
    report.written.push(...files);
    return;
  }
  const existing = new Set<string>();
  for (const file of files) {
    try {
      existing.add(readSecretFile(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (existing.size > 1) fail('LINE_CREDENTIALS_KEY', `its copies differ (${files.join(', ')}); make them equal, or remove them all to have a new one generated`);
  const key = existing.values().next().value ?? generateSealingKeyText();
  for (const file of files) if (ensureSecretFile(file, () => key, options).created) report.created.push(file);
}

function publicKeyOf(seed: string, file: string): string {
  try {
    return fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  } catch {
    return fail(file, 'holds no nkey user seed; remove it to have one generated');
  }
}

function fail(variable: string, message: string): never {
  throw new ConfigError('secrets', [{ variable, message }]);
}
