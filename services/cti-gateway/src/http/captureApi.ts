import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CaptureInfo, Id, MediaErrorCodes } from '@ucserver/shared';
import type { CaptureClient } from '../bus/CaptureClient.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LineCapturePolicy } from '../lines/LineCapturePolicy.ts';
import type { LineStore } from '../lines/LineStore.ts';
import { ConflictError, HttpError, NotFoundError } from '../errors.ts';
import { ApiError, LineNumber } from './adminSchemas.ts';

export interface CaptureApiOptions {
  calls: CallRegistry;
  /** Undefined until the bus is up. */
  captures: () => CaptureClient | undefined;
  /** Who the admin request is from (for the log). */
  adminOf: (req: FastifyRequest) => string;
  lines: LineStore;
  policy: LineCapturePolicy;
}

/** The HTTP status of a media node's capture refusal (MediaCommandError.remoteCode). */
export const CAPTURE_STATUS: Readonly<Record<string, number>> = {
  [MediaErrorCodes.UCS_ERR_MEDIA_CALL_NOT_FOUND]: 404,
  [MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_NOT_FOUND]: 404,
  [MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_RUNNING]: 409,
  [MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_TOO_MANY]: 429,
  [MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_TOO_LARGE]: 413,
  [MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_WRITE_FAILED]: 507,
};

const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 413: ApiError, 429: ApiError, 503: ApiError, 507: ApiError };
const CallParams = z.object({ callId: Id });
const LineCaptureOut = z.object({ line: z.string(), enabled: z.boolean(), updatedBy: z.string().nullable(), updatedAt: z.string().nullable() });
const CaptureStartBody = z.object({
  maxSeconds: z.number().int().min(1).optional(),
  maxBytes: z.number().int().min(1).optional(),
}).strict();

/**
 * Call capture, inside the admin API (its auth hook and error handler): start and stop on the call's
 * media node, download the call's newest stopped capture as one pcapng file, list and delete stored
 * captures. Every start, stop, download and delete is logged with the admin who did it.
 */
export function captureRoutes(app: FastifyInstance, options: CaptureApiOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const client = (): CaptureClient => {
    const c = options.captures();
    if (!c) throw new HttpError(503, 'the bus is not connected yet');
    return c;
  };
  const nodeOf = (callId: string): string => {
    const call = options.calls.get(callId);
    if (!call || call.state === 'disconnected') throw new NotFoundError('active call', callId);
    if (!call.mediaNodeId) throw new ConflictError(`call ${callId} has no media yet`);
    return call.mediaNodeId;
  };
  const newestStored = async (callId: string): Promise<CaptureInfo> => {
    const list = await client().list(callId);
    const stored = list.find((c) => c.state !== 'running');
    if (!stored) {
      if (list.length > 0) throw new ConflictError(`the capture of call ${callId} is still running; stop it first`);
      throw new NotFoundError('capture of call', callId);
    }
    return stored;
  };

  api.post('/calls/:callId/capture', { schema: { tags: ['captures'], summary: 'Start capturing a call (ringing or connected) into a pcapng file', params: CallParams, body: CaptureStartBody.optional(), response: { 201: CaptureInfo, ...errors } } }, async (req, reply) => {
    const admin = options.adminOf(req);
    const { callId } = req.params;
    const info = await client().start(nodeOf(callId), { callId, startedBy: admin, ...req.body });
    req.log.info({ admin, callId, captureId: info.captureId, nodeId: info.nodeId }, 'capture started');
    return reply.code(201).send(info);
  });

  api.delete('/calls/:callId/capture', { schema: { tags: ['captures'], summary: 'Stop the call\'s running capture', params: CallParams, response: { 200: CaptureInfo, ...errors } } }, async (req) => {
    const admin = options.adminOf(req);
    const { callId } = req.params;
    const running = (await client().list(callId)).find((c) => c.state === 'running');
    if (!running) throw new NotFoundError('running capture of call', callId);
    const info = await client().stop(running.nodeId, callId);
    req.log.info({ admin, callId, captureId: info.captureId, packets: info.packets, bytes: info.bytes }, 'capture stopped');
    return info;
  });

  api.get('/calls/:callId/capture.pcapng', { schema: { tags: ['captures'], summary: 'Download the call\'s newest stopped capture', params: CallParams, response: { 200: z.any(), ...errors } } }, async (req, reply) => {
    const admin = options.adminOf(req);
    const info = await newestStored(req.params.callId);
    const file = await client().read(info);
    req.log.info({ admin, callId: info.callId, captureId: info.captureId, bytes: file.length }, 'capture downloaded');
    return reply
      .header('content-type', 'application/vnd.tcpdump.pcap')
      .header('content-disposition', `attachment; filename="call-${info.callId}-${info.captureId}.pcapng"`)
      .send(file);
  });

  // The per-line policy: every call of the line captured from its first packet.
  const policyOut = (line: string, p: { enabled: boolean; updatedBy: string | null; updatedAt: Date | null }): z.input<typeof LineCaptureOut> =>
    ({ line, enabled: p.enabled, updatedBy: p.updatedBy, updatedAt: p.updatedAt?.toISOString() ?? null });
  api.get('/lines/:number/capture', { schema: { tags: ['captures'], summary: 'The line\'s capture policy', params: z.object({ number: LineNumber }), response: { 200: LineCaptureOut, ...errors } } }, async (req) => {
    const line = await options.lines.require(req.params.number);
    return policyOut(line.number, await options.policy.get(line.id));
  });
  api.put('/lines/:number/capture', { schema: { tags: ['captures'], summary: 'Capture every call of the line (from its first packet), or stop doing so', params: z.object({ number: LineNumber }), body: z.object({ enabled: z.boolean() }).strict(), response: { 200: LineCaptureOut, ...errors } } }, async (req) => {
    const admin = options.adminOf(req);
    const line = await options.lines.require(req.params.number);
    const policy = await options.policy.set(line.id, req.body.enabled, admin);
    req.log.info({ admin, line: line.number, enabled: policy.enabled }, 'line capture policy set');
    return policyOut(line.number, policy);
  });

  api.get('/captures', { schema: { tags: ['captures'], summary: 'Captures on the live media nodes, newest first', querystring: z.object({ callId: Id.optional() }), response: { 200: z.array(CaptureInfo), ...errors } } }, async (req) =>
    client().list(req.query.callId));

  api.delete('/captures/:captureId', { schema: { tags: ['captures'], summary: 'Delete a stopped capture', params: z.object({ captureId: Id }), response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    const admin = options.adminOf(req);
    const info = (await client().list()).find((c) => c.captureId === req.params.captureId);
    if (!info) throw new NotFoundError('capture', req.params.captureId);
    await client().delete(info);
    req.log.info({ admin, callId: info.callId, captureId: info.captureId }, 'capture deleted');
    return reply.code(204).send(null);
  });
}
