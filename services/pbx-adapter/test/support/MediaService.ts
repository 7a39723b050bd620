// The real media service (services/media) as a child process on a private bus prefix and port range,
// ready once its heartbeat is on the bus. The adapter talks to it only over the bus, as in production.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaTopics, type BusClient } from '@ucserver/shared';
import { check, freePortRange, ManagedProcess } from '@ucserver/testkit';

const MEDIA_INDEX = fileURLToPath(new URL('../../../media/src/index.ts', import.meta.url));

export class MediaService {
  readonly nodeId: string;
  readonly process: ManagedProcess;
  readonly dir: string;
  readonly ports: { min: number; max: number };

  private constructor(nodeId: string, proc: ManagedProcess, dir: string, ports: { min: number; max: number }) {
    this.nodeId = nodeId;
    this.process = proc;
    this.dir = dir;
    this.ports = ports;
  }

  /** Starts `node services/media/src/index.ts` and waits (bounded) for its first heartbeat on `bus`. */
  /** `env` goes over the node's environment (e.g. `MEDIA_STATS_INTERVAL_MS`). */
  static async start(bus: BusClient, options: { natsUrl: string; prefix: string; nodeId?: string; env?: Record<string, string> }): Promise<MediaService> {
    const nodeId = options.nodeId ?? `media-${options.prefix}`;
    const ports = await freePortRange(60, 30000, 39000);
    const dir = mkdtempSync(join(tmpdir(), 'ucs-media-'));
    let heard = false;
    const sub = bus.subscribe(MediaTopics.heartbeat, (hb) => {
      if (hb.nodeId === nodeId && hb.workersAlive > 0) heard = true;
    });
    const proc = ManagedProcess.spawn(`media ${nodeId}`, process.execPath, ['--conditions=ucs-source', '--no-warnings', MEDIA_INDEX], {
      cwd: dir,
      logFile: join(dir, 'media.log'),
      env: {
        ...process.env,
        NATS_URL: options.natsUrl,
        BUS_PREFIX: options.prefix,
        HTTP_PORT: '0',
        LOG_LEVEL: process.env.TEST_MEDIA_LOG_LEVEL ?? 'warn',
        MEDIA_NODE_ID: nodeId,
        MEDIA_WORKERS: '1',
        MEDIA_LISTEN_IP: '127.0.0.1',
        MEDIA_WEBRTC_PORT: '0',
        MEDIA_RTC_MIN_PORT: String(ports.min),
        MEDIA_RTC_MAX_PORT: String(ports.max),
        MEDIA_HEARTBEAT_MS: '250',
        MEDIA_DRAIN_TIMEOUT_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '3000',
        ...options.env,
      },
    });
    const media = new MediaService(nodeId, proc, dir, ports);
    try {
      await check(() => {
        proc.assertRunning();
        return heard;
      }, 15_000, { name: `a heartbeat of media node ${nodeId}`, intervalMs: 50 });
    } catch (err) {
      await media.dispose();
      throw err;
    } finally {
      sub.unsubscribe();
    }
    return media;
  }

  /** The last lines of the media service's log (for assertion messages). */
  tail(lines = 30): string {
    return this.process.tail(lines);
  }

  async dispose(): Promise<void> {
    await this.process.stop({ signal: 'SIGTERM', graceMs: 3000 });
    if (!process.env.TEST_KEEP_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}
