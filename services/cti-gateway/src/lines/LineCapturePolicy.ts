import { eq, sql } from 'drizzle-orm';
import type { Logger } from '@ucserver/shared';
import { dbSchema, PreparedStatements, type Db } from '@ucserver/shared/db';
import type { CaptureClient } from '../bus/CaptureClient.ts';
import type { ActiveCall, CallRegistry } from '../calls/CallRegistry.ts';

const { lineCapture } = dbSchema;

export interface LineCapturePolicyOptions {
  db: Db;
  calls: CallRegistry;
  /** Undefined until the bus is up. */
  captures: () => CaptureClient | undefined;
  logger: Logger;
}

/**
 * The per-line capture policy (table `line_capture`): for a line with the policy on, every call is
 * captured from the first call event that names its media node (the call rings then, so its first RTP
 * packet is in the file). Read from the database per call, so every gateway honours what any one set.
 * A second gateway starting the same capture gets "running already", which is fine.
 */
export class LineCapturePolicy {
  readonly #db: Db;
  readonly #captures: () => CaptureClient | undefined;
  readonly #logger: Logger;
  /** Calls already handled (started, or known not to need a capture). */
  readonly #seen = new Set<string>();
  /** `get` runs for every call's line (the policy is read per call): prepared once. */
  readonly #prepared = new PreparedStatements(1);

  constructor(options: LineCapturePolicyOptions) {
    this.#db = options.db;
    this.#captures = options.captures;
    this.#logger = options.logger.child({ component: 'capture-policy' });
    options.calls.on('callchanged', (call) => this.#onCall(call));
  }

  async get(lineId: string): Promise<{ enabled: boolean; updatedBy: string | null; updatedAt: Date | null }> {
    const [row] = await this.#prepared.run('get', () => this.#db.select().from(lineCapture).where(eq(lineCapture.lineId, sql.placeholder('lineId'))), { lineId });
    return row ? { enabled: row.enabled, updatedBy: row.updatedBy, updatedAt: row.updatedAt } : { enabled: false, updatedBy: null, updatedAt: null };
  }

  async set(lineId: string, enabled: boolean, admin: string): Promise<{ enabled: boolean; updatedBy: string | null; updatedAt: Date | null }> {
    const [row] = await this.#db.insert(lineCapture).values({ lineId, enabled, updatedBy: admin })
      .onConflictDoUpdate({ target: lineCapture.lineId, set: { enabled, updatedBy: admin, updatedAt: sql`now()` } })
      .returning();
    return { enabled: row!.enabled, updatedBy: row!.updatedBy, updatedAt: row!.updatedAt };
  }

  #onCall(call: ActiveCall): void {
    if (call.state === 'disconnected') {
      this.#seen.delete(call.callId);
      return;
    }
    const nodeId = call.mediaNodeId;
    if (!nodeId || this.#seen.has(call.callId)) return;
    this.#seen.add(call.callId);
    void this.#apply(call, nodeId);
  }

  async #apply(call: ActiveCall, nodeId: string): Promise<void> {
    try {
      if (!(await this.get(call.lineId)).enabled) return;
      const client = this.#captures();
      if (!client) return;
      const info = await client.start(nodeId, { callId: call.callId, startedBy: `policy:line ${call.lineNumber}` });
      this.#logger.info({ callId: call.callId, line: call.lineNumber, captureId: info.captureId, nodeId }, 'capture started by the line policy');
    } catch (err) {
      this.#logger.warn({ callId: call.callId, line: call.lineNumber, err: (err as Error).message }, 'line policy capture not started');
    }
  }
}
