import type { Credentials } from './AuthenticatorTypes.ts';

/** Parses `Basic base64(user:password)` (RFC 7617, UTF-8) into credentials; undefined when malformed. */
export function parseBasic(value: string): { login: string; password: string } | undefined {
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { login: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Credentials from an HTTP Authorization header (Basic or Bearer). */
export function credentialsFromHeader(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') {
    const basic = parseBasic(value);
    return basic ? { kind: 'basic', ...basic } : undefined;
  }
  if (scheme === 'bearer' && value) return { kind: 'bearer', token: value };
  return undefined;
}
