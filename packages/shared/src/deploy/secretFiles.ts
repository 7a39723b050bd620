// Secret files as first start creates them: owner-only (0600) in owner-only directories (0700), created
// exclusively (a file that exists is never overwritten by a generated value), replaced atomically when a
// value is given. Values never reach a log or an error message, only paths do.
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SecretFileOptions {
  /** Owner of created files and directories (a container's service user); default the current user. */
  owner?: { uid: number; gid: number } | undefined;
}

/** The secret in `file`; when the file does not exist, `generate()`'s value, written there first. */
export function ensureSecretFile(file: string, generate: () => string, options: SecretFileOptions = {}): { value: string; created: boolean } {
  prepareDirectory(dirname(file), options);
  try {
    writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
    own(file, options);
    return { value: readSecretFile(file), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Created by an earlier start: keep it, but never readable by others.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { value: readSecretFile(file), created: false };
}

/** Writes `value` to `file` (0600), replacing what was there in one rename. */
export function writeSecretFile(file: string, value: string, options: SecretFileOptions = {}): void {
  prepareDirectory(dirname(file), options);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${value}\n`, { mode: 0o600 });
  own(temp, options);
  renameSync(temp, file);
}

/** A file written by this module (or by an operator): its content without the trailing newline. */
export function readSecretFile(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

function prepareDirectory(dir: string, options: SecretFileOptions): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  own(dir, options);
}

function own(path: string, options: SecretFileOptions): void {
  if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
}
