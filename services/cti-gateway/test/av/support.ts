// A client connection that records what the server sends, for unit tests of the softphone parts: a pure
// stand-in for the TCP/WebSocket transports (the softphone flows over real sockets are softphone.test.ts).
import { InvalidStateError, type UserRow } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import type { RoseWireMessage } from '../../src/codec/mod.ts';
import { decodeArgument, type ArgumentOf, type OutboundEventName } from '../../src/protocol/mod.ts';
import { ClientSession } from '../../src/session/ClientSession.ts';
import type { ClientTransport } from '../../src/session/ClientTransport.ts';
import type { SessionRegistry } from '../../src/session/SessionRegistry.ts';

export class RecordingTransport implements ClientTransport {
  readonly kind = 'tcp';
  readonly remoteAddress = '127.0.0.1';
  readonly secure = false;
  readonly canStartTls = false;
  readonly sent: RoseWireMessage[] = [];

  send(message: RoseWireMessage): void {
    this.sent.push(message);
  }

  close(): void {}

  startTls(): void {
    throw new InvalidStateError('no TLS on a recording transport');
  }

  /** The arguments of the events named `name` sent so far, in order, decoded as a client would. */
  events<N extends OutboundEventName>(name: N): Array<ArgumentOf<N>> {
    return this.sent.flatMap((m) => ('invoke' in m && m.invoke.operationName === name ? [decodeArgument(name, m.invoke.argument) as ArgumentOf<N>] : []));
  }
}

/** A logged-in session of `user` on a recording transport, a softphone unless told otherwise, known to `sessions`. */
export function recordedSession(sessions: SessionRegistry, user: UserRow, softphone = true): { session: ClientSession; transport: RecordingTransport } {
  const transport = new RecordingTransport();
  const session = new ClientSession(transport, { invokes: {}, events: {}, public: new Set() }, testLogger('session'), { maxPendingInvokes: 10 });
  session.softphone = softphone;
  sessions.add(session);
  session.authenticate(user);
  return { session, transport };
}
