import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { Errors } from '../../errors.ts';
import type { InstanceService } from '../../instances/instance-service.ts';
import { errorResponses, IdParam } from '../schemas.ts';

const tags = ['linking'];

/** Linking a number: the current QR code (JSON or PNG) and pairing codes. */
export const linkRoutes =
  (instances: InstanceService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/qr',
      {
        schema: {
          tags,
          summary:
            'The QR code to scan, as a string and a PNG data URL; or the PNG itself with Accept: image/png',
          params: IdParam,
          response: {
            200: Type.Object({
              available: Type.Boolean(),
              qr: Type.Union([Type.String(), Type.Null()]),
              qrDataUrl: Type.Union([Type.String(), Type.Null()]),
              updatedAt: Type.Union([Type.String(), Type.Null()]),
              status: Type.String(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const instance = await instances.find(request.principal, request.params.id);
        const wantsPng = (request.headers.accept ?? '').includes('image/png');
        const qr = instance.status === 'qr' || instance.status === 'pairing' ? instance.qr : null;
        if (wantsPng) {
          if (!qr) throw Errors.notFound(`a QR code for ${instance.name} (status ${instance.status})`);
          const png = await QRCode.toBuffer(qr, { type: 'png', margin: 2, width: 320 });
          return reply
            .type('image/png')
            .header('cache-control', 'no-store')
            .send(png as never);
        }
        return {
          available: Boolean(qr),
          qr,
          qrDataUrl: qr ? await QRCode.toDataURL(qr, { margin: 2, width: 320 }) : null,
          updatedAt: qr ? (instance.qrUpdatedAt?.toISOString() ?? null) : null,
          status: instance.status,
        };
      },
    );

    app.post(
      '/instances/:id/pairing-code',
      {
        schema: {
          tags,
          summary: 'Request a pairing code to type on the phone (Linked devices → Link with phone number)',
          params: IdParam,
          body: Type.Object(
            {
              phoneNumber: Type.String({
                minLength: 1,
                maxLength: 32,
                description: 'international form, e.g. 15550001111',
              }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ pairingCode: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
            409: errorResponses[400],
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { pairingCode, expiresAt } = await instances.pairingCode(
          request.principal,
          request.params.id,
          request.body.phoneNumber,
        );
        return { pairingCode, expiresAt: expiresAt.toISOString() };
      },
    );
  };
