// A TCP proxy on a loopback port in front of a server (e.g. a NATS server), for cutting one client off:
// cut() destroys every proxied connection and refuses new ones until restore(). The server and the
// other clients (connected directly) are unaffected, which is how a network partition of one host looks.
// retarget() sends new connections elsewhere (a load balancer failing over to another server).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #server: Server;
  #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #cut = false;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on 127.0.0.1 (an ephemeral port) and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.#port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** The proxy as a NATS URL. */
  get natsUrl(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  /** Connections now open through the proxy. */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  /** Cuts every connection (reset) and refuses new ones (closed at once) until restore(). */
  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /** New connections go to `target` from now on; open ones stay where they are. */
  retarget(target: { host: string; port: number }): void {
    this.#target = target;
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.#target);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      this.#sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.#sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
