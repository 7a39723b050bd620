// Who this instance is in the active lease: its host and SIP address (what the PBX reaches), plus a
// random run id. Two live processes cannot share host and SIP port (the listener binds it first), so an
// entry with our holder but another run is our own earlier run, gone (a restart after kill -9).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PbxLease } from '@ucserver/shared';

export function leaseIdentity(transport: string, bound: { host: string; port: number }, sentBy: { host: string; port: number }): Pick<PbxLease, 'holder' | 'run' | 'host' | 'sip'> {
  const host = hostname().slice(0, 255) || 'localhost';
  return {
    holder: `${host}/${transport}:${bound.host}:${bound.port}`.slice(0, 256),
    run: randomUUID(),
    host,
    // As the PBX sees it (SIP_PUBLIC_HOST), for operators.
    sip: `${transport}:${sentBy.host}:${sentBy.port}`.slice(0, 300),
  };
}
