import { asnTimeFromDate } from '../codec/mod.ts';
import { minimalContactV2, type EventHandlers, type InvokeHandlers } from '../protocol/mod.ts';
import type { Authenticator, Credentials } from '../auth/Authenticator.ts';
import { parseBasic } from '../auth/credentials.ts';
import { AccountDisabledError, AuthenticationError, LockedOutError } from '../errors.ts';
import type { ClientSession } from './ClientSession.ts';
import { CtiRequestError, LogonError } from './CtiRequestError.ts';

/** The ENetUC interface version we implement (ASN.1 modules of UCServerWebSDK2.0, major 8). */
const SERVER_INTERFACE_VERSION = '8.0.20240821';
const SERVER_VERSION = '0.1.0';

const CAPABILITY_SOFTPHONE = 1;
const AUTH_METHOD_BASIC = 1;
const AUTH_METHOD_BEARER = 5;

/** Operations a client may use before it has logged in. */
export const publicOperations = new Set<string>([
  'asnNegotiateServerConnectionV2',
  'asnLoginV2',
  'asnStartTLS',
  'asnLogoff',
  'asnKeepAlive',
  'asnTransportKeepAlive',
]);

function major(version: string): number {
  const m = /^(\d+)/.exec(version.trim());
  return m ? Number(m[1]) : NaN;
}

export interface SessionOperationsDeps {
  auth: Authenticator;
  presenceDomain: string;
}

/** Negotiation, login/logoff, keep-alive, TLS upgrade and "who am I". */
export function sessionOperations(deps: SessionOperationsDeps): {
  invokes: Pick<InvokeHandlers<ClientSession>, 'asnNegotiateServerConnectionV2' | 'asnLoginV2' | 'asnStartTLS' | 'asnSubscribeServices' | 'asnGetLoggedInContactV2'>;
  events: Pick<EventHandlers<ClientSession>, 'asnLogoff' | 'asnKeepAlive' | 'asnTransportKeepAlive'>;
} {
  return {
    invokes: {
      asnNegotiateServerConnectionV2(arg, session) {
        session.features.set('negotiated', true);
        session.softphone = (arg.iClientCapabilities & CAPABILITY_SOFTPHONE) !== 0;
        const ours = major(SERVER_INTERFACE_VERSION);
        const min = major(arg.u8sMinSupportedInterfaceVersion);
        const max = major(arg.u8sMaxSupportedInterfaceVersion);
        if (!(min <= ours && ours <= max)) {
          return { incompatible: { u8sServerInterfaceVersion: SERVER_INTERFACE_VERSION } };
        }
        return {
          result: {
            eServerType: 0,
            u8sServerInterfaceVersion: SERVER_INTERFACE_VERSION,
            eAuthenticationMethod: 0,
            sServerAuthentication: new Uint8Array(),
            stServerTime: asnTimeFromDate(new Date()),
            u8sServerVersion: SERVER_VERSION,
            u8sConnectionGUID: session.id,
            u8sPresenceDomains: [deps.presenceDomain],
          },
        };
      },

      async asnLoginV2(arg, session) {
        if (!arg.auth) return { supportedAuthMethods: { authMethodsOrdered: [AUTH_METHOD_BASIC, AUTH_METHOD_BEARER] } };
        let credentials: Credentials;
        const auth = arg.auth;
        if ('authBasic' in auth) {
          const basic = parseBasic(auth.authBasic.credential);
          if (!basic) throw new CtiRequestError(LogonError.invalidUser, 'malformed Basic credential (expected base64 of user:password)');
          credentials = { kind: 'basic', ...basic };
        } else if ('authBearer' in auth) {
          credentials = { kind: 'bearer', token: auth.authBearer.u8sJWT };
        } else {
          throw new CtiRequestError(LogonError.authMethodNotSupported, 'authentication method not supported (use authBasic or authBearer)');
        }
        try {
          const { user, token } = await deps.auth.authenticate(credentials, session.transport.remoteAddress);
          if (session.user && session.user.id !== user.id) {
            throw new CtiRequestError(113, `this connection is already logged in as '${session.user.login}'`);
          }
          session.authenticate(user);
          return { succceeded: { u8sLoggedInUser: user.login, token: { u8sToken: token } } };
        } catch (err) {
          if (err instanceof LockedOutError) throw new CtiRequestError(LogonError.tooManyAttempts, err.message);
          if (err instanceof AccountDisabledError) throw new CtiRequestError(LogonError.accountLocked, err.message);
          if (err instanceof AuthenticationError) {
            throw new CtiRequestError(credentials.kind === 'bearer' ? LogonError.tokenExpired : LogonError.invalidUser, err.message);
          }
          throw err;
        }
      },

      asnStartTLS(_arg, session) {
        if (session.transport.secure) throw new CtiRequestError(1, 'the connection is already encrypted');
        if (!session.transport.canStartTls) throw new CtiRequestError(1, 'TLS is not configured on this server');
        if (session.user || session.features.has('negotiated')) throw new CtiRequestError(1, 'asnStartTLS must be the first operation on a connection');
        session.transport.startTls();
        return {};
      },

      asnSubscribeServices() {
        return {};
      },

      asnGetLoggedInContactV2(_arg, session) {
        const user = session.requireUser;
        return { u8sLoggedInUser: user.login, ownContact: minimalContactV2(user.login, user.displayName) };
      },
    },
    events: {
      asnLogoff(_arg, session) {
        session.close('logoff');
      },
      asnKeepAlive() {},
      asnTransportKeepAlive() {},
    },
  };
}
