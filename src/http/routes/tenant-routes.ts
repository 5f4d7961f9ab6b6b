import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TenantService } from '../../auth/tenant-service.ts';
import { requireAdmin } from '../auth.ts';
import { ListPage, wholeList } from '../list-page.ts';
import { errorResponses } from '../schemas.ts';

const TenantJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
const IssuedKey = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'shown once: store it now' }),
  prefix: Type.String(),
  createdAt: Type.String(),
});
const KeyJson = Type.Object({
  id: Type.String(),
  prefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const TenantParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const tenantJson = (t: { id: string; name: string; createdAt: Date }) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
});

/** Tenants and their keys: admin key only. */
export const tenantRoutes =
  (tenants: TenantService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('preHandler', async (request) => requireAdmin(request));
    const tags = ['tenants'];

    app.post(
      '/tenants',
      {
        schema: {
          tags,
          summary: 'Create a tenant; its first API key is returned once',
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ tenant: TenantJson, apiKey: IssuedKey }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { tenant, apiKey } = await tenants.create(request.body.name);
        return reply.status(201).send({ tenant: tenantJson(tenant), apiKey });
      },
    );

    app.get(
      '/tenants',
      { schema: { tags, summary: 'List tenants', response: { 200: ListPage(TenantJson) } } },
      async () => wholeList((await tenants.list()).map(tenantJson)),
    );

    app.delete(
      '/tenants/:id',
      {
        schema: {
          tags,
          summary: 'Delete a tenant, its instances (unlinked) and keys',
          params: TenantParam,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await tenants.remove(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/tenants/:id/keys',
      {
        schema: {
          tags,
          summary: 'Issue a new API key for the tenant (rotate); revokeOthers ends every older key',
          params: TenantParam,
          body: Type.Optional(
            Type.Object({ revokeOthers: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          ),
          response: { 201: IssuedKey, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tenants.rotate(request.params.id, request.body.revokeOthers ?? false)),
    );

    app.get(
      '/tenants/:id/keys',
      {
        schema: {
          tags,
          summary: "The tenant's keys (prefixes only)",
          params: TenantParam,
          response: { 200: ListPage(KeyJson), ...errorResponses },
        },
      },
      async (request) => wholeList(await tenants.listKeys(request.params.id)),
    );

    app.delete(
      '/tenants/:id/keys/:keyId',
      {
        schema: {
          tags,
          summary: 'Revoke one key',
          params: Type.Object({ id: Type.String({ minLength: 1 }), keyId: Type.String({ minLength: 1 }) }),
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await tenants.revokeKey(request.params.id, request.params.keyId);
        return reply.status(204).send(null);
      },
    );
  };
