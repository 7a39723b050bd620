// A CallBench whose lines register at a StubRegistrar, on a NATS server of its own: what the call tests
// that take SIPp calls on registered lines stand on (pickup, re-attach). Started with every line
// registered and a free even port pair for SIPp's media.
import { freePort, NatsServer } from '@ucserver/testkit';
import { CallBench, type CallBenchOptions } from './CallBench.ts';
import { testLine } from './Gateway.ts';
import { StubRegistrar } from './StubRegistrar.ts';

export class LineBench {
  readonly nats: NatsServer;
  readonly registrar: StubRegistrar;
  readonly bench: CallBench;
  /** SIPp's RTP port (even, the next one free too). */
  readonly mediaPort: number;

  private constructor(nats: NatsServer, registrar: StubRegistrar, bench: CallBench, mediaPort: number) {
    this.nats = nats;
    this.registrar = registrar;
    this.bench = bench;
    this.mediaPort = mediaPort;
  }

  /** Lines `line-<number>` for `numbers`, each registered before this resolves. */
  static async start(numbers: string[], options: Pick<CallBenchOptions, 'env' | 'deps' | 'mediaEnv'> = {}): Promise<LineBench> {
    const nats = await NatsServer.start();
    const registrar = await StubRegistrar.start();
    try {
      const bench = await CallBench.start({ natsUrl: nats.url, lines: numbers.map((number) => testLine({ number, registrar: registrar.address })), ...options });
      const lines = new LineBench(nats, registrar, bench, await freePort({ count: 2, even: true }));
      await bench.adapter.linesSynced;
      for (const number of numbers) await bench.gateway.waitRegistration(`line-${number}`, 'registered', 10_000);
      return lines;
    } catch (err) {
      await registrar.close();
      await nats.dispose();
      throw err;
    }
  }

  async dispose(): Promise<void> {
    await this.bench.dispose();
    await this.nats.dispose();
    await this.registrar.close();
  }
}
