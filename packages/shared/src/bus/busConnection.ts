// How a service reaches NATS: the servers, its own NATS user (user/password or nkey seed), TLS, and the
// inbox its replies arrive in. Services pass `busConnection(config, '<service>')` to BusClient.connect;
// the BusClient turns it into nats.js options with `natsSecurityOptions`. Secrets stay in these objects
// and in nats.js: nothing here logs.
import { readFileSync } from 'node:fs';
import { nkeyAuthenticator, usernamePasswordAuthenticator, type ConnectionOptions } from '@nats-io/nats-core';
import { ConfigError } from '../errors.ts';
import type { BusService } from './busAccess.ts';
import type { BusClientOptions } from './BusClientTypes.ts';
import { Subjects } from './subjects.ts';

/** The variables of a service's configuration the bus connection reads (common to all three services). */
export interface BusConnectionConfig {
  NATS_URL: string;
  BUS_PREFIX: string;
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  NATS_NKEY_SEED?: string | undefined;
  NATS_TLS_CA_FILE?: string | undefined;
  NATS_TLS_CERT_FILE?: string | undefined;
  NATS_TLS_KEY_FILE?: string | undefined;
  BUS_STREAM_REPLICAS?: number | undefined;
}

export type BusConnection = Pick<BusClientOptions, 'servers' | 'prefix' | 'service' | 'credentials' | 'tls' | 'streamReplicas'>;

/**
 * BusClient options from a service's configuration. TLS files are read now, so a missing one fails the
 * start with ConfigError instead of every reconnect. TLS is required when NATS_URL says tls:// or any
 * NATS_TLS_* is set: the client then refuses a server that does not offer it.
 */
export function busConnection(config: BusConnectionConfig, service: BusService): BusConnection {
  const credentials = config.NATS_NKEY_SEED !== undefined
    ? { nkeySeed: config.NATS_NKEY_SEED }
    : config.NATS_USER !== undefined && config.NATS_PASSWORD !== undefined
      ? { user: config.NATS_USER, password: config.NATS_PASSWORD }
      : undefined;
  const wantsTls = config.NATS_URL.split(',').some((u) => u.trim().startsWith('tls://'))
    || config.NATS_TLS_CA_FILE !== undefined || config.NATS_TLS_CERT_FILE !== undefined;
  const tls = wantsTls
    ? {
        ...(config.NATS_TLS_CA_FILE !== undefined ? { ca: readPem('NATS_TLS_CA_FILE', config.NATS_TLS_CA_FILE, service) } : {}),
        ...(config.NATS_TLS_CERT_FILE !== undefined ? { cert: readPem('NATS_TLS_CERT_FILE', config.NATS_TLS_CERT_FILE, service) } : {}),
        ...(config.NATS_TLS_KEY_FILE !== undefined ? { key: readPem('NATS_TLS_KEY_FILE', config.NATS_TLS_KEY_FILE, service) } : {}),
      }
    : undefined;
  return { servers: config.NATS_URL, prefix: config.BUS_PREFIX, service, credentials, tls, streamReplicas: config.BUS_STREAM_REPLICAS };
}

function readPem(variable: string, file: string, service: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(service, [{ variable, message: `cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(service, [{ variable, message: `'${file}' is not PEM` }]);
  return text;
}

/** The nats.js options for the credentials, TLS and inbox of {@link BusClientOptions}. */
export function natsSecurityOptions(options: Pick<BusClientOptions, 'prefix' | 'service' | 'credentials' | 'tls'>): Partial<ConnectionOptions> {
  const { credentials, tls, service } = options;
  const out: Partial<ConnectionOptions> = {};
  if (credentials && 'nkeySeed' in credentials) out.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.nkeySeed));
  else if (credentials) out.authenticator = usernamePasswordAuthenticator(credentials.user, credentials.password);
  // An object (even empty) makes nats.js require TLS; its fields are PEM texts.
  if (tls) out.tls = { ...tls };
  if (service) out.inboxPrefix = new Subjects(options.prefix).inbox(service);
  return out;
}
