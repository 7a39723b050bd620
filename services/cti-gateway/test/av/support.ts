// Set-ups of the softphone tests: the call flows at the NATS boundary (a gateway, the Peers, two users
// with a line and a TCP client each), and a client connection that records what the server sends, for
// unit tests of the softphone parts (a pure stand-in for the TCP/WebSocket transports).
import { InvalidStateError } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import { check, testLogger } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import type { RoseWireMessage } from '../../src/codec/mod.ts';
import { decodeArgument, type ArgumentOf, type OutboundEventName } from '../../src/protocol/mod.ts';
import { ClientSession } from '../../src/session/ClientSession.ts';
import type { ClientTransport } from '../../src/session/ClientTransport.ts';
import type { SessionRegistry } from '../../src/session/SessionRegistry.ts';
import { peerBus, startGateway, tcpClient } from '../support.ts';
import { Peers } from './Peers.ts';

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

export interface CallFlows {
  app: GatewayApp;
  peers: Peers;
  /** alice's line 100 and bob's line 101. */
  lineA: string;
  lineB: string;
  /** Logged-in TCP clients of alice and bob (softphones). */
  alice: EnetucClient;
  bob: EnetucClient;
  close(): Promise<void>;
}

/** A gateway whose media node and pbx-adapter are Peers, with alice (line 100) and bob (line 101) connected. */
export async function startCallFlows(): Promise<CallFlows> {
  const app = await startGateway();
  const peers = new Peers(await peerBus(app));
  await peers.bus.flush(); // the gateway's first requests must find the fake peers subscribed
  await app.context.users.create({ login: 'alice', password: 'alice-pw' });
  await app.context.users.create({ login: 'bob', password: 'bob-pw' });
  const lineA = (await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' })).id;
  const lineB = (await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'bob' })).id;
  const alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
  const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
  // placement must have heard the fake node's heartbeat before the first call
  await check(() => app.bus?.connected, 2000, { name: 'bus connected' });
  return {
    app, peers, lineA, lineB, alice, bob,
    async close() {
      alice.close();
      bob.close();
      peers.close();
      await peers.bus.close();
      await app.stop();
    },
  };
}
