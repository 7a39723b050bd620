import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Logger } from '@ucserver/shared';
import { ClientSession } from './ClientSession.ts';
import type { OperationTable } from './ClientSessionTypes.ts';
import type { SessionRegistry } from './SessionRegistry.ts';
import { TcpClientTransport } from './TcpClientTransport.ts';

export interface CtiTcpServerOptions {
  host: string;
  port: number;
  table: OperationTable;
  sessions: SessionRegistry;
  logger: Logger;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  maxQueuedBytes: number;
  maxPendingInvokes: number;
  /** Connections accepted at most; further ones are refused at once. Default 20 000. */
  maxConnections?: number;
  tls?: SecureContext | undefined;
}

/** The ENetUC TCP listener (7222): one ClientSession per accepted socket. */
export class CtiTcpServer {
  readonly #server: Server;
  readonly #options: CtiTcpServerOptions;

  constructor(options: CtiTcpServerOptions) {
    this.#options = options;
    this.#server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, (socket) => this.#accept(socket));
    this.#server.maxConnections = options.maxConnections ?? 20_000;
    this.#server.on('error', (err) => options.logger.error({ err }, 'CTI TCP server error'));
  }

  #accept(socket: Socket): void {
    const o = this.#options;
    const log = o.logger.child({ component: 'cti-tcp' });
    const transport = new TcpClientTransport(socket, { maxMessageBytes: o.maxMessageBytes, idleTimeoutMs: o.idleTimeoutMs, maxQueuedBytes: o.maxQueuedBytes, tls: o.tls, logger: log });
    const session = new ClientSession(transport, o.table, log, { maxPendingInvokes: o.maxPendingInvokes });
    transport.bind((text) => session.receive(text), (reason) => session.close(reason), () => session.busy);
    o.sessions.add(session);
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#options.host, port: this.#options.port, backlog: 4096 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    const addr = this.#server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Stops accepting; open sessions are closed by the caller (SessionRegistry.closeAll). */
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
