import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PickupGroupStore } from '../pickup/PickupGroupStore.ts';
import { MAX_PICKUP_GROUP_MEMBERS } from '../pickup/PickupGroupStore.ts';
import type { PickupGroupView } from '../pickup/PickupGroupStoreTypes.ts';
import { NotFoundError } from '../errors.ts';
import { ApiError, LineNumber, Login } from './adminSchemas.ts';

export interface PickupGroupApiOptions {
  groups: PickupGroupStore;
  /** Who the admin request is from (for the log). */
  adminOf: (req: FastifyRequest) => string;
}

const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 503: ApiError };
const GroupName = z.string().regex(/^[A-Za-z0-9 ._-]{1,64}$/, 'letters, digits, space . _ - (1–64)');
const PickupGroupIn = z.object({
  name: GroupName,
  lines: z.array(LineNumber).max(MAX_PICKUP_GROUP_MEMBERS).default([]).describe('member lines by number'),
  users: z.array(Login).max(MAX_PICKUP_GROUP_MEMBERS).default([]).describe('member users by login: all their lines'),
}).strict();
const PickupGroupOut = z.object({
  id: z.string(),
  name: z.string(),
  lines: z.array(z.string()),
  users: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const NameParams = z.object({ name: GroupName });

function out(g: PickupGroupView): z.input<typeof PickupGroupOut> {
  return { ...g, createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString() };
}

/**
 * /api/v1/pickup-groups: the pickup groups (asnCtiPickupCall's authorisation), admin-only like the rest
 * of the admin API (its auth hook and error handler apply). A change applies to the next pickup.
 */
export function pickupGroupRoutes(app: FastifyInstance, options: PickupGroupApiOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['pickup-groups'];
  api.get('/pickup-groups', { schema: { tags, summary: 'List pickup groups with their member lines and users', response: { 200: z.array(PickupGroupOut), ...errors } } }, async () =>
    (await options.groups.list()).map(out));
  api.post('/pickup-groups', { schema: { tags, summary: 'Create a pickup group', body: PickupGroupIn, response: { 201: PickupGroupOut, ...errors } } }, async (req, reply) => {
    const group = await options.groups.create(req.body);
    req.log.info({ group: group.name, lines: group.lines, users: group.users, by: options.adminOf(req) }, 'pickup group created');
    return reply.code(201).send(out(group));
  });
  api.get('/pickup-groups/:name', { schema: { tags, params: NameParams, response: { 200: PickupGroupOut, ...errors } } }, async (req) => {
    const group = await options.groups.get(req.params.name);
    if (!group) return notFound(req.params.name);
    return out(group);
  });
  api.put('/pickup-groups/:name', { schema: { tags, summary: "Replace a pickup group's name and members", params: NameParams, body: PickupGroupIn, response: { 200: PickupGroupOut, ...errors } } }, async (req) => {
    const group = await options.groups.replace(req.params.name, req.body);
    req.log.info({ group: group.name, was: req.params.name, lines: group.lines, users: group.users, by: options.adminOf(req) }, 'pickup group changed');
    return out(group);
  });
  api.delete('/pickup-groups/:name', { schema: { tags, params: NameParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await options.groups.delete(req.params.name);
    req.log.info({ group: req.params.name, by: options.adminOf(req) }, 'pickup group deleted');
    return reply.code(204).send(null);
  });
}

function notFound(name: string): never {
  throw new NotFoundError('pickup group', name);
}
