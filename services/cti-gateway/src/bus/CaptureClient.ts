// The capture commands the gateway sends to media nodes (MediaCommands.capture*): a running capture is
// on its call's node; a stored one on whichever live node holds it, found by asking each.
import { CAPTURE_READ_MAX_BYTES, MediaCommands, type BusClient, type CaptureInfo, type Command, type MediaNodeInfo, type ReplyOf, type RequestOf } from '@ucserver/shared';
import { MediaCommandError } from '../errors.ts';

export interface CaptureClientOptions {
  bus: BusClient;
  /** The live media nodes. */
  nodes: () => MediaNodeInfo[];
  /** Timeout of one command. Default the bus default. */
  timeoutMs?: number;
}

export class CaptureClient {
  readonly #bus: BusClient;
  readonly #nodes: () => MediaNodeInfo[];
  readonly #timeoutMs: number | undefined;

  constructor(options: CaptureClientOptions) {
    this.#bus = options.bus;
    this.#nodes = options.nodes;
    this.#timeoutMs = options.timeoutMs;
  }

  start(nodeId: string, request: RequestOf<typeof MediaCommands.captureStart>): Promise<CaptureInfo> {
    return this.#request(nodeId, MediaCommands.captureStart, request, request.callId);
  }

  stop(nodeId: string, callId: string): Promise<CaptureInfo> {
    return this.#request(nodeId, MediaCommands.captureStop, { callId }, callId);
  }

  /** Captures on every live node, newest first; a node that does not answer is left out. */
  async list(callId?: string): Promise<CaptureInfo[]> {
    const replies = await Promise.allSettled(this.#nodes().map((n) => this.#request(n.nodeId, MediaCommands.captureList, callId ? { callId } : {}, callId ?? '-')));
    return replies.flatMap((r) => (r.status === 'fulfilled' ? r.value.captures : [])).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** The whole file of a stopped capture, read in chunks from its node. */
  async read(info: CaptureInfo): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const { data, total } = await this.#request(info.nodeId, MediaCommands.captureRead, { captureId: info.captureId, offset, length: CAPTURE_READ_MAX_BYTES }, info.callId);
      const chunk = Buffer.from(data, 'base64');
      chunks.push(chunk);
      offset += chunk.length;
      if (offset >= total || chunk.length === 0) return Buffer.concat(chunks);
    }
  }

  async delete(info: CaptureInfo): Promise<void> {
    await this.#request(info.nodeId, MediaCommands.captureDelete, { captureId: info.captureId }, info.callId);
  }

  async #request<C extends Command<'media'>>(nodeId: string, cmd: C, payload: RequestOf<C>, callId: string): Promise<ReplyOf<C>> {
    try {
      return await this.#bus.media(nodeId).request(cmd, payload, { timeoutMs: this.#timeoutMs });
    } catch (err) {
      throw new MediaCommandError(cmd.verb, { callId, nodeId }, err);
    }
  }
}
