import type {} from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MESSAGE_STATUSES, MESSAGE_TYPES } from '../../domain/message.ts';
import { messageJson } from '../../domain/message-json.ts';
import { STATUS_BROADCAST_JID } from '../../domain/status.ts';
import { Errors } from '../../errors.ts';
import { chatJidOf, type SendInput } from '../../outbox/message-input.ts';
import type { MessageService } from '../../outbox/message-service.ts';
import { fromMultipart } from '../error-handler.ts';
import { MessageJsonSchema } from '../openapi/event-schemas.ts';
import { errorResponses, IdParam, Limit, TextInteger } from '../schemas.ts';
import { SendBody } from './send-schemas.ts';

export { SendBody };

const tags = ['messages'];
const enumOf = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });

/** The one message shape: the history's, and the message events' `data`. */
export const MessageJson = MessageJsonSchema;
export { messageJson };

const MessageParams = Type.Object({
  id: Type.String({ minLength: 1 }),
  msgId: Type.String({ minLength: 1, maxLength: 128 }),
});
const WAIT_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    upload?: Buffer;
  }
}

/**
 * A multipart upload: the file plus the same fields as JSON, read before validation so the body
 * schema checks them too (ajv turns "true" and "1.5" into their types).
 */
async function readMultipart(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const fields: Record<string, unknown> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        request.upload = await part.toBuffer();
        fields.fileName ??= part.filename;
        if (part.mimetype !== 'application/octet-stream') fields.mimetype ??= part.mimetype;
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    throw fromMultipart(err);
  }
  if (!request.upload) throw Errors.validation('a multipart send needs a file part');
  request.body = fields;
}

/** Sending and reading messages of one instance. */
export const messageRoutes =
  (messages: MessageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/messages',
      {
        // base64 media: a 100 MB document is ~134 MB of JSON
        bodyLimit: 140 * 1024 * 1024,
        preValidation: readMultipart,
        schema: {
          tags,
          summary:
            'Queue a message (202), or with ?wait=sent wait for the outcome (201 sent, or the coded error)',
          params: IdParam,
          querystring: Type.Object({
            wait: Type.Optional(Type.Literal('sent')),
            waitMs: Type.Optional(
              TextInteger({
                minimum: 100,
                maximum: WAIT_MS,
                default: WAIT_MS,
                description: 'with ?wait=sent: how long to wait before a 504 (the message stays queued)',
                examples: [10_000],
              }),
            ),
          }),
          body: SendBody,
          response: {
            201: MessageJson,
            202: Type.Object({ id: Type.String(), waMessageId: Type.String(), status: Type.String() }),
            409: errorResponses[400],
            422: errorResponses[400],
            504: errorResponses[400],
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const idempotencyKey = request.headers['idempotency-key'];
        const key =
          typeof idempotencyKey === 'string' && idempotencyKey ? idempotencyKey.slice(0, 200) : undefined;
        const input = request.body as SendInput;
        const upload = request.upload;
        const { message } = await messages.enqueue(request.principal, request.params.id, input, {
          ...(key ? { idempotencyKey: key } : {}),
          ...(upload ? { upload } : {}),
        });
        if (request.query.wait !== 'sent')
          return reply
            .status(202)
            .send({ id: message.id, waMessageId: message.waMessageId, status: message.status });
        const outcome = await messages.waitForOutcome(message, request.query.waitMs ?? WAIT_MS);
        if (outcome.status === 'failed') {
          return reply.status(422).send({
            error: {
              code: outcome.errorCode ?? 'ZG_ERR_SEND_FAILED',
              message: outcome.errorMessage ?? 'send failed',
              details: messageJson(outcome),
            },
          });
        }
        if (outcome.status === 'queued' || outcome.status === 'sending')
          throw Errors.timeout('the message to be sent (it stays queued)');
        return reply.status(201).send(messageJson(outcome));
      },
    );

    app.get(
      '/instances/:id/messages',
      {
        schema: {
          tags,
          summary: 'History: newest first, filtered, paginated with nextCursor',
          params: IdParam,
          querystring: Type.Object({
            direction: Type.Optional(enumOf(['inbound', 'outbound'] as const)),
            chat: Type.Optional(Type.String({ maxLength: 64 })),
            status: Type.Optional(enumOf(MESSAGE_STATUSES)),
            type: Type.Optional(enumOf(MESSAGE_TYPES)),
            before: Type.Optional(Type.String({ format: 'date-time' })),
            after: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Limit(200, 50),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(MessageJson),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await messages.list(request.principal, request.params.id, {
          limit: q.limit ?? 50,
          ...(q.direction ? { direction: q.direction } : {}),
          // statuses this number posted are listed under their chat, status@broadcast
          ...(q.chat ? { chatJid: q.chat === STATUS_BROADCAST_JID ? q.chat : chatJidOf(q.chat) } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.type ? { type: q.type } : {}),
          ...(q.before ? { before: new Date(q.before) } : {}),
          ...(q.after ? { after: new Date(q.after) } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        return { items: page.items.map(messageJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/instances/:id/messages/:msgId',
      {
        schema: {
          tags,
          summary: 'One message, by gateway id or WhatsApp id',
          params: MessageParams,
          response: { 200: MessageJson, ...errorResponses },
        },
      },
      async (request) =>
        messageJson(await messages.get(request.principal, request.params.id, request.params.msgId)),
    );

    app.get(
      '/instances/:id/messages/:msgId/media',
      {
        schema: {
          tags,
          summary: 'The media of a message, as its bytes',
          params: MessageParams,
          response: { ...errorResponses },
        },
      },
      async (request, reply) => {
        const { bytes, mimetype, fileName } = await messages.media(
          request.principal,
          request.params.id,
          request.params.msgId,
        );
        if (fileName)
          reply.header(
            'content-disposition',
            `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`,
          );
        return reply
          .type(mimetype)
          .header('cache-control', 'private, max-age=3600')
          .send(bytes as never);
      },
    );

    app.patch(
      '/instances/:id/messages/:msgId',
      {
        schema: {
          tags,
          summary: 'Edit a sent text message',
          params: MessageParams,
          body: Type.Object(
            { text: Type.String({ minLength: 1, maxLength: 65_536 }) },
            { additionalProperties: false },
          ),
          response: { 200: MessageJson, ...errorResponses },
        },
      },
      async (request) =>
        messageJson(
          await messages.edit(request.principal, request.params.id, request.params.msgId, request.body.text),
        ),
    );

    app.delete(
      '/instances/:id/messages/:msgId',
      {
        schema: {
          tags,
          summary: 'Revoke (delete for everyone) a message; a message still queued is cancelled',
          params: MessageParams,
          querystring: Type.Object({ for: Type.Optional(Type.Literal('everyone')) }),
          response: { 200: MessageJson, ...errorResponses },
        },
      },
      async (request) =>
        messageJson(await messages.revoke(request.principal, request.params.id, request.params.msgId)),
    );

    app.delete(
      '/instances/:id/messages',
      {
        schema: {
          tags,
          summary: 'Delete the history (queued sends are cancelled with it)',
          params: IdParam,
          response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses },
        },
      },
      async (request) => ({ deleted: await messages.clearHistory(request.principal, request.params.id) }),
    );
  };
