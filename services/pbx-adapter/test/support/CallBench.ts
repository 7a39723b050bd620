// What every call test stands on, on one private bus prefix: the gateway played on the bus (with the
// test's lines), the real media service as a process, and the adapter under test, started in that
// order (the adapter places calls once it has heard the media node) and stopped in reverse.
import type { LineConfig } from '@ucserver/shared';
import { uniquePrefix } from '@ucserver/testkit';
import type { PbxAdapterApp, PbxAdapterDeps } from '../../src/app.ts';
import { startAdapter } from './adapter.ts';
import { Gateway } from './Gateway.ts';
import { MediaService } from './MediaService.ts';

export interface CallBenchOptions {
  natsUrl: string;
  lines: LineConfig[];
  /** Adapter settings beyond the defaults of startAdapter (env-style values). */
  env?: Record<string, string>;
  deps?: Partial<PbxAdapterDeps>;
  /** Environment over the media node's own. */
  mediaEnv?: Record<string, string>;
}

export class CallBench {
  readonly prefix: string;
  readonly gateway: Gateway;
  readonly media: MediaService;
  readonly adapter: PbxAdapterApp;

  private constructor(prefix: string, gateway: Gateway, media: MediaService, adapter: PbxAdapterApp) {
    this.prefix = prefix;
    this.gateway = gateway;
    this.media = media;
    this.adapter = adapter;
  }

  /** Starts the three; what started is stopped again when a later one fails. */
  static async start(options: CallBenchOptions): Promise<CallBench> {
    const prefix = uniquePrefix();
    const gateway = await Gateway.start({ natsUrl: options.natsUrl, prefix, lines: options.lines });
    let media: MediaService | undefined;
    try {
      media = await MediaService.start(gateway.bus, { natsUrl: options.natsUrl, prefix, ...(options.mediaEnv ? { env: options.mediaEnv } : {}) });
      const adapter = await startAdapter({
        natsUrl: options.natsUrl,
        prefix,
        mediaNodeId: media.nodeId,
        ...(options.env ? { env: options.env } : {}),
        ...(options.deps ? { deps: options.deps } : {}),
      });
      return new CallBench(prefix, gateway, media, adapter);
    } catch (err) {
      await media?.dispose();
      await gateway.close();
      throw err;
    }
  }

  /** Stops the adapter, then the media service, then the gateway. */
  async dispose(): Promise<void> {
    await this.adapter.stop();
    await this.media.dispose();
    await this.gateway.close();
  }
}
